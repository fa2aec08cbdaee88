"""Parameters: declared by the notebooks, typed by their annotations, constrained by notebooks/parameters.yaml."""

from __future__ import annotations

import subprocess
import sys

import pytest

from critical_minerals.chapter import parameters
from critical_minerals.chapter.parameters import COMMAND_LINE, ParameterErrors
from critical_minerals.core import paths
from critical_minerals.core.errors import InputError
from critical_minerals.engine import declarations, plan

DECLARED = declarations.declared_parameters(plan.notebooks(plan.load_steps()))
BY_NAME = {p.name: p for p in DECLARED}


def test_types_and_defaults_come_from_the_parameters_cells():
    assert (BY_NAME["comparison_year"].type, BY_NAME["comparison_year"].default) == ("int", 0)
    assert (BY_NAME["stockpile_real_prices"].type, BY_NAME["stockpile_real_prices"].default) == ("bool", False)
    assert (BY_NAME["strike_multiple"].type, BY_NAME["strike_multiple"].default) == ("float", 1.0)
    assert BY_NAME["price_model"].default == "mean_reverting"
    for p in DECLARED:
        assert p.help and "=" not in p.help, p.name


def test_every_default_satisfies_its_rule():
    for p in DECLARED:
        if p.name not in parameters.BUILD_PARAMETERS:
            parameters.check(p, p.default, "defaults")


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("comparison_year", "2022", 2022),
        ("comparison_year", " +2023 ", 2023),
        ("strike_multiple", "1.25", 1.25),
        ("strike_multiple", "2", 2.0),
        ("stockpile_real_prices", "TRUE", True),
        ("stockpile_real_prices", "false", False),
        ("price_model", "gbm", "gbm"),
        ("stockpile_design", "007", "007"),
    ],
)
def test_command_line_text_is_coerced_by_the_declared_type(name, text, expected):
    value = parameters.coerce(BY_NAME[name], text, COMMAND_LINE)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    "name, value, origin, message",
    [
        ("comparison_year", "2022.5", COMMAND_LINE, "expected a whole number"),
        ("comparison_year", "twenty", COMMAND_LINE, "expected a whole number"),
        ("strike_multiple", "nan", COMMAND_LINE, "not a finite number"),
        ("strike_multiple", "1,5", COMMAND_LINE, "use a decimal point: write strike_multiple=1.5"),
        ("stockpile_real_prices", "yes please", COMMAND_LINE, "expected true or false"),
        ("comparison_year", 2022.0, "scenarios/x.yaml", "expected a whole number"),
        ("comparison_year", True, "scenarios/x.yaml", "expected a whole number"),
    ],
)
def test_wrong_types_name_the_origin_the_parameter_and_the_value(name, value, origin, message):
    with pytest.raises(InputError) as caught:
        parameters.coerce(BY_NAME[name], value, origin)
    text = str(caught.value)
    assert message in text and origin in text and repr(name) in text and repr(value) in text


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("stockpile_defence_share", "50%", "write 0.5 for 50 % (stockpile_defence_share is a fraction)"),
        ("overlap_threshold_pp", "5%", "write overlap_threshold_pp=5 (overlap_threshold_pp is in percentage points)"),
        ("strike_multiple", "1,2", "use a decimal point: write strike_multiple=1.2"),
        ("simulation_paths", "2,000", "a thousands separator Fix: write 2000"),
        ("simulation_paths", "1_000", "write 1000 (no '_' between digits)"),
        ("comparison_year", "\u0662\u0660", "digits other than 0-9"),
        ("strike_multiple", "\u0661.\u0662", "digits other than 0-9"),
        ("strike_multiple", "1e309", "number too large"),
        ("simulation_paths", "9" * 5000, "too long for a number (5000 characters)"),
        ("strike_multiple", "inf", "not a finite number"),
    ],
)
def test_common_slips_get_the_exact_fix(name, text, message):
    with pytest.raises(InputError) as caught:
        parameters.coerce(BY_NAME[name], text, COMMAND_LINE)
    assert message in str(caught.value) and repr(name) in str(caught.value)
    assert len(str(caught.value)) < 400  # a long value is shown cut


def test_huge_numbers_are_refused_quickly():
    import time

    started = time.perf_counter()
    for _ in range(100):
        with pytest.raises(InputError):
            parameters.coerce(BY_NAME["simulation_paths"], "9" * 100_000, COMMAND_LINE)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    "yaml_text, command_line, expected",
    [
        ('"6"', "6", 6.0),
        ("6", "6", 6.0),
        ("'1.2'", "1.2", 1.2),
        ("1.0e0", "1.0e0", 1.0),
    ],
)
def test_scenario_files_and_the_command_line_read_the_same_text_alike(tmp_path, yaml_text, command_line, expected):
    (tmp_path / "s.yaml").write_text(f"stockpile_cover_months: {yaml_text}\n", encoding="utf-8")
    from_file = parameters.resolve(parameters.load_scenario("s", tmp_path), "s.yaml", [], DECLARED)
    from_line = parameters.resolve({}, "", [f"stockpile_cover_months={command_line}"], DECLARED)
    assert from_file == from_line == {"stockpile_cover_months": expected}


@pytest.mark.parametrize("text", ["yes", "no", "true", "False", "maybe", "on", "1_000", "1,5", "50%", "007"])
def test_scenario_files_and_the_command_line_accept_and_refuse_the_same_texts(tmp_path, text):
    for name in ("stockpile_real_prices", "stockpile_cover_months", "stockpile_design"):
        (tmp_path / "s.yaml").write_text(f"{name}: {text}\n", encoding="utf-8")
        outcomes = []
        for values, overrides in ((parameters.load_scenario("s", tmp_path), []), ({}, [f"{name}={text}"])):
            try:
                outcomes.append(parameters.resolve(values, "x", overrides, DECLARED))
            except ParameterErrors as err:
                outcomes.append(err.errors[0].problem)
        assert outcomes[0] == outcomes[1], (name, text, outcomes)


def test_did_you_mean_for_choice_values_and_scenario_names():
    with pytest.raises(InputError, match="did you mean 'defence'"):
        parameters.check(BY_NAME["stockpile_design"], "defense", COMMAND_LINE)
    with pytest.raises(InputError, match="did you mean 'law_2026_11'"):
        parameters.load_scenario("law_2026_1")


def test_every_parameter_has_a_unit():
    assert not [p.name for p in DECLARED if p.name not in parameters.BUILD_PARAMETERS and not p.unit]


@pytest.mark.parametrize(
    "name, value, allowed",
    [
        ("comparison_edition", 1999, "one of 0, 2023, 2024, 2025"),
        ("stockpile_cover_months", 121.0, "<= 120"),
        ("stockpile_defence_share", 0.0, "> 0"),
        ("bankability_target", 1.0, "< 1"),
        ("simulation_paths", 20001, "a multiple of 2"),
        ("project_archetype", "cobalt", "one of copper, graphite, lithium, nickel"),
        ("stockpile_design", "defence,unicorn", "comma-separated from defence, market"),
        ("stockpile_design", "market,market", "comma-separated from defence, market"),
    ],
)
def test_values_outside_the_rule_say_what_is_allowed(name, value, allowed):
    with pytest.raises(InputError) as caught:
        parameters.check(BY_NAME[name], value, COMMAND_LINE)
    assert allowed in str(caught.value) and repr(value) in str(caught.value)


def test_resolve_reports_every_bad_value_once_and_later_values_win():
    chosen = parameters.resolve({"strike_multiple": 1.2}, "scenarios/s.yaml", ["strike_multiple=1.4"], DECLARED)
    assert chosen == {"strike_multiple": 1.4}
    with pytest.raises(ParameterErrors) as caught:
        parameters.resolve(
            {"strike_multiplier": 2.0, "scenario": "x"},
            "scenarios/s.yaml",
            ["comparison_yaer=2022", "simulation_paths=4", "novalue"],
            DECLARED,
        )
    messages = [str(error) for error in caught.value.errors]
    expected = [
        "did you mean 'strike_multiple'",
        "set by the build itself",
        "expected name=value",
        "did you mean 'comparison_year'",
        "'simulation_paths' (value 4): out of range",
    ]
    assert len(messages) == len(expected)
    for text in expected:
        assert sum(text in message for message in messages) == 1, text
    assert "scenarios/s.yaml" in next(m for m in messages if "strike_multiple" in m)


def test_every_scenario_file_resolves():
    for path in sorted(paths.SCENARIOS_DIR.glob("*.yaml")):
        parameters.resolve(parameters.load_scenario(path.stem), str(path), [], DECLARED)
    assert {"default", "law_2025_01", "law_2026_11"} <= {p.stem for p in paths.SCENARIOS_DIR.glob("*.yaml")}


def test_the_law_scenarios_differ_in_law_only_and_the_papers_vintage_in_data_only():
    """A policy analyst compares law_2025_01 with law_2026_11 to see what the law changed: both on the same data.
    The papers' data vintage is its own scenario, which differs from law_2025_01 in data only."""
    aspects = {name: rule.get("aspect", "other") for name, rule in parameters.load_spec().items()}

    def values(name):
        chosen = parameters.resolve(parameters.load_scenario(name), name, [], DECLARED)
        return {row["name"]: row["value"] for row in parameters.effective(DECLARED, chosen)}

    def differing(a, b):
        first, second = values(a), values(b)
        return {aspects.get(key, "other") for key in first if first[key] != second[key]}

    assert differing("law_2025_01", "law_2026_11") == {"law"}
    assert differing("law_2025_01", "law_2025_01_data_2022") == {"data"}
    assert values("law_2025_01_data_2022")["production_year"] == 2022


@pytest.mark.parametrize(
    "text, message",
    [
        ("strike_multiple: [1, 2\n", "not valid YAML"),
        ("- strike_multiple\n", "flat mapping"),
        ("strike_multiple:\n  - 1\n", "single string, number or true/false"),
        ("strike_multiple:\n", "single string, number or true/false"),
        (
            "04_price_support:\n  strike_multiple: 1.2\n",
            "'04_price_support' is not a parameter: scenario files are flat Fix: write `strike_multiple: 1.2`",
        ),
        ("strike_multiple: 1.2\nstrike_multiple: 1.3\n", "'strike_multiple' is given twice (lines 1 and 2)"),
        ("strike_multiple: &x 1.2\nrevenue_share: *x\n", "YAML alias *x"),
        ("? [a, b]\n: 1\n", "a key that is not a name"),
    ],
)
def test_malformed_scenario_files_are_named(tmp_path, text, message):
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parameters.load_scenario("bad", tmp_path)
    assert message in str(caught.value) and "bad.yaml" in str(caught.value)


def test_an_alias_bomb_fails_fast_without_expanding(tmp_path):
    import time

    lines = ['a0: &a0 ["' + "x" * 50 + '"]'] + [
        f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)
    ]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(InputError, match="YAML alias"):
        parameters.load_scenario("bomb", tmp_path)
    assert time.perf_counter() - started < 1


def test_non_utf8_and_oversized_scenario_files_are_named(tmp_path):
    (tmp_path / "latin.yaml").write_bytes("strike_multiple: 1.2 # café\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin.yaml: not UTF-8 text .*save the file as UTF-8"):
        parameters.load_scenario("latin", tmp_path)
    (tmp_path / "big.yaml").write_text("# " + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="file too large for a scenario"):
        parameters.load_scenario("big", tmp_path)
    (tmp_path / "bom.yaml").write_bytes("\ufeffstrike_multiple: 1.2\n".encode("utf-8"))
    assert parameters.load_scenario("bom", tmp_path) == {"strike_multiple": "1.2"}


def test_scenario_names_cannot_leave_the_scenarios_folder():
    with pytest.raises(InputError, match="not a scenario name"):
        parameters.load_scenario("../secrets")


def test_spec_and_notebooks_must_agree(tmp_path):
    spec = tmp_path / "parameters.yaml"
    spec.write_text(
        paths.NOTEBOOKS_DIR.joinpath("parameters.yaml").read_text(encoding="utf-8") + "ghost_parameter: {min: 0}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="ghost_parameter"):
        declarations.declared_parameters(plan.notebooks(plan.load_steps()), spec_file=spec)
    spec.write_text("strike_multiple: {minimum: 0}\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown rule"):
        parameters.load_spec(spec)


@pytest.mark.parametrize(
    "text, words",
    [
        ("strike_multiple: {min: 0}\n# caf\xe9\n".encode("latin-1"), "not UTF-8 text (line 2, byte 0xe9)"),
        (b"strike_multiple: {min: [0}\n", "not valid YAML (line 1"),
        (b"strike_multiple: {max: ten}\n", "max: a bound is a number"),
        (b"strike_multiple: {min: .nan}\n", "min: a bound is a number"),
        (b"strike_multiple: {multiple_of: 0}\n", "multiple_of: a positive number"),
        (b"strike_multiple: {choices: []}\n", "choices: a list of allowed values"),
        (b"strike_multiple: {choices_from: data/x.csv}\n", "choices_from: a data file and its column"),
        (b"strike_multiple: {identity: yes please}\n", "identity: true or false"),
        (b"strike_multiple: {unit: 5}\n", "unit: a word or phrase"),
        (b"[strike_multiple]\n", "a mapping of parameter: rule"),
    ],
)
def test_a_broken_rules_file_is_one_message_naming_file_rule_and_fix(tmp_path, text, words):
    spec = tmp_path / "parameters.yaml"
    spec.write_bytes(text)
    with pytest.raises(InputError) as raised:
        parameters.load_spec(spec)
    message = str(raised.value)
    assert words in message and "parameters.yaml" in message and "Fix: " in message, message


def test_papermill_help_shows_type_and_help_for_every_notebook():
    for notebook in plan.notebooks(plan.load_steps()):
        shown = subprocess.run(
            [sys.executable, "-m", "papermill", "--help-notebook", str(notebook)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for p in DECLARED:
            if p.notebook == notebook.stem:
                assert f"{p.name}: {p.type}" in shown and p.help in shown, (notebook.name, p.name)
