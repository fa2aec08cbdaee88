"""The bad-input corpus: malformed data files, fetched files that do not match their checksum, broken scenario files
and bad command-line parameters. Each one must stop `python build.py` with a non-zero exit status and a message
naming the file, the field and the value, and leave the last good report byte for byte as it was."""

from __future__ import annotations

import stat
from dataclasses import dataclass, field

import pytest


@dataclass(frozen=True)
class Case:
    id: str
    expect: tuple[str, ...]  # every one of these appears in the error output
    file: str = ""  # project file to break (relative path); blank: nothing is edited
    edit: object = None  # text -> broken text (or bytes: written as they are)
    args: tuple[str, ...] = ()
    status: int = 2
    mirror: dict = field(default_factory=dict)  # files of a private mirror: relative path -> bytes
    absent: tuple[str, ...] = ()  # none of these appears in the output (a long value is shown cut)


def replace(old: str, new: str, count: int = 1):
    def edit(text: str) -> str:
        assert old in text, f"corpus case out of date: {old!r} not found"
        return text.replace(old, new, count)

    return edit


def drop_column(name: str):
    def edit(text: str) -> str:
        lines = text.splitlines(keepends=True)
        header = lines[0].rstrip("\n").split(",")
        assert name in header
        return lines[0].replace(f"{name},", "", 1) if header[-1] != name else lines[0].replace(f",{name}", "")

    return edit


def duplicate_row(line: int):
    def edit(text: str) -> str:
        lines = text.splitlines(keepends=True)
        return "".join(lines[: line + 1] + [lines[line]] + lines[line + 1 :])

    return edit


def truncate(share: float):
    return lambda text: text[: int(len(text) * share)]


def latin1(old: str, new: str):
    """The file as a spreadsheet saves it in a Western-European code page, not UTF-8."""
    return lambda text: replace(old, new)(text).encode("cp1252")


def rename_column(old: str, new: str):
    def edit(text: str) -> str:
        header, rest = text.split("\n", 1)
        assert old in header.split(",")
        return ",".join(new if name == old else name for name in header.split(",")) + "\n" + rest

    return edit


LONG = "9" * 5000  # a value far too long to show in full


PAPER, MINERALS = "data/paper_a_production_shares.csv", "data/stockpile_minerals.csv"
ARCHETYPES, SUBSIDIES = "data/project_archetypes.csv", "data/subsidy_regimes.csv"
SCENARIO = "scenarios/default.yaml"
RULES = "notebooks/parameters.yaml"
WORLD_2025 = "usgs_mcs2025/world/MCS2025_World_Data.csv"
CASES = [
    # hand-written data files
    Case(
        "paper-share-over-100",
        ("paper_a_production_shares.csv", "us_pct", "155.9"),
        PAPER,
        replace("Beryllium,55.9,-,-,55.9", "Beryllium,155.9,-,-,155.9"),
    ),
    Case(
        "paper-non-numeric-share",
        ("paper_a_production_shares.csv", "mexico_pct", "24,2"),
        PAPER,
        replace("Silver,4,24.2,", 'Silver,4,"24,2",'),
    ),
    Case("paper-missing-column", ("paper_a_production_shares.csv", "canada_pct"), PAPER, drop_column("canada_pct")),
    Case("paper-duplicate-row", ("paper_a_production_shares.csv", "Beryllium"), PAPER, duplicate_row(1)),
    Case(
        "paper-total-not-sum",
        ("paper_a_production_shares.csv", "total_pct", "65.9"),
        PAPER,
        replace("Beryllium,55.9,-,-,55.9", "Beryllium,55.9,-,-,65.9"),
    ),
    Case("paper-truncated", ("paper_a_production_shares.csv",), PAPER, truncate(0.5)),
    Case(
        "minerals-non-numeric-factor",
        ("stockpile_minerals.csv", "content_factor", "one"),
        MINERALS,
        replace("none,usgs,metal,1,", "none,usgs,metal,one,"),
    ),
    Case("minerals-missing-column", ("stockpile_minerals.csv", "price_source"), MINERALS, drop_column("price_source")),
    Case("minerals-duplicate-row", ("stockpile_minerals.csv", "antimony"), MINERALS, duplicate_row(1)),
    Case(
        "assumptions-non-numeric",
        ("stockpile_assumptions.csv", "row 2", "'value'", "6 bn"),
        "data/stockpile_assumptions.csv",
        replace("benchmark_defence_cost,6000000000,", "benchmark_defence_cost,6 bn,"),
    ),
    Case(
        "design-months-negative",
        ("stockpile_design_defence.csv", "months_of_cover", "-12"),
        "data/stockpile_design_defence.csv",
        replace(",12,", ",-12,"),
    ),
    Case(
        "archetype-non-numeric",
        ("project_archetypes.csv", "capex_usd", "1.6 bn"),
        ARCHETYPES,
        replace("nickel,capex_usd,1.6e9,", "nickel,capex_usd,1.6 bn,"),
    ),
    Case("subsidy-missing-column", ("subsidy_regimes.csv", "rate"), SUBSIDIES, drop_column("rate")),
    Case(
        "subsidy-rate-over-1",
        ("subsidy_regimes.csv", "rate", "30"),
        SUBSIDIES,
        replace("canada_ctm_itc,capex,2024,2031,0.30,", "canada_ctm_itc,capex,2024,2031,30,"),
    ),
    Case(
        "series-choice-unknown-stage",
        ("production_series_choice.csv", "stage", "furnace"),
        "data/production_series_choice.csv",
        replace("copper,copper,mine,", "copper,copper,furnace,"),
    ),
    Case(
        "registry-broken-yaml",
        ("datasets.yaml",),
        "data/datasets.yaml",
        replace("  usgs_mcs2024:", "  usgs_mcs2024: ["),
    ),
    # fetched data
    Case(
        "registry-wrong-checksum",
        ("MCS2025_World_Data.csv", "expected abab", "got 4cf9adcc"),
        "data/datasets.yaml",
        replace("4cf9adcc5add0f2271b073569635e49adc51392326ac5225bb9d644b1bb11e28", "ab" * 32),
    ),
    Case(
        "fetched-file-truncated",
        ("MCS2025_World_Data.csv", "expected 4cf9adcc"),
        f"data/external/{WORLD_2025}",
        truncate(0.5),
        mirror={WORLD_2025: truncate(0.5)},
    ),
    Case(
        "fetched-file-altered",
        ("MCS2025_World_Data.csv", "expected 4cf9adcc"),
        f"data/external/{WORLD_2025}",
        replace("United States", "United Staets"),
        mirror={WORLD_2025: replace("United States", "United Staets")},
    ),
    # scenario files
    Case(
        "scenario-broken-yaml",
        ("scenarios/default.yaml", "not valid YAML"),
        SCENARIO,
        lambda text: text + "strike_multiple: [1.2\n",
    ),
    Case(
        "scenario-unknown-key",
        ("scenarios/default.yaml", "'strike_multipel'", "did you mean 'strike_multiple'"),
        SCENARIO,
        lambda text: text + "strike_multipel: 1.2\n",
    ),
    Case(
        "scenario-wrong-type",
        ("scenarios/default.yaml", "'support_years'", "'fifteen'", "expected a whole number"),
        SCENARIO,
        lambda text: text + "support_years: fifteen\n",
    ),
    Case(
        "scenario-out-of-range",
        ("scenarios/default.yaml", "'revenue_share'", "1.5", "<= 1"),
        SCENARIO,
        lambda text: text + "revenue_share: 1.5\n",
    ),
    Case(
        "scenario-not-allowed",
        ("scenarios/default.yaml", "'price_model'", "'random_walk'", "gbm"),
        SCENARIO,
        lambda text: text + "price_model: random_walk\n",
    ),
    Case(
        "scenario-nested-value",
        ("scenarios/default.yaml", "'strike_multiple'", "single string"),
        SCENARIO,
        lambda text: text + "strike_multiple:\n  low: 1\n",
    ),
    Case("scenario-a-list", ("scenarios/default.yaml", "flat mapping"), SCENARIO, lambda text: "- strike_multiple\n"),
    Case(
        "scenario-build-parameter",
        ("scenarios/default.yaml", "'output_dir'", "set by the build"),
        SCENARIO,
        lambda text: text + "output_dir: /tmp/elsewhere\n",
    ),
    Case(
        "scenario-missing",
        ("scenarios/nonexistent.yaml", "--scenario", "'nonexistent'"),
        args=("--scenario", "nonexistent"),
    ),
    Case("scenario-bad-name", ("--scenario", "'../default'"), args=("--scenario", "../default")),
    # command-line parameters
    Case(
        "cli-unknown",
        ("command line", "'comparison_yaer'", "did you mean 'comparison_year'"),
        args=("-p", "comparison_yaer=2022"),
    ),
    Case(
        "cli-int-given-float",
        ("command line", "'comparison_year'", "'2022.5'", "expected a whole number"),
        args=("-p", "comparison_year=2022.5"),
    ),
    Case(
        "cli-float-given-text",
        ("command line", "'strike_multiple'", "'high'", "expected a number"),
        args=("-p", "strike_multiple=high"),
    ),
    Case(
        "cli-bool-given-text",
        ("command line", "'calibrate_real_prices'", "'maybe'", "true or false"),
        args=("-p", "calibrate_real_prices=maybe"),
    ),
    Case(
        "cli-out-of-range",
        ("command line", "'stockpile_cover_months'", "240", "<= 120"),
        args=("-p", "stockpile_cover_months=240"),
    ),
    Case(
        "cli-odd-paths",
        ("command line", "'simulation_paths'", "2001", "multiple of 2"),
        args=("-p", "simulation_paths=2001"),
    ),
    Case(
        "cli-unknown-design",
        ("command line", "'stockpile_design'", "unicorn", "defence, market"),
        args=("-p", "stockpile_design=defence,unicorn"),
    ),
    Case("cli-no-equals", ("command line", "'comparison_year'", "name=value"), args=("-p", "comparison_year")),
    Case("cli-zero-workers", ("-j", "0"), args=("-j", "0")),
    # one reader for every hand-written table (handwritten_tables.read_data_table), also where parameters' allowed
    # values are
    # read (subsidy_regimes.csv, project_archetypes.csv): what it cannot read unambiguously is refused at read time
    Case(
        "table-not-utf8",
        ("subsidy_regimes.csv", "row 2", "not UTF-8", "0xe9", "save the file as UTF-8"),
        SUBSIDIES,
        latin1('"No subsidy"', '"No subsidé"'),
    ),
    Case(
        "table-not-utf8-data-step", ("countries.csv", "not UTF-8"), "data/countries.csv", latin1("Algeria,", "Algérie,")
    ),
    Case(
        "table-extra-field",
        ("project_archetypes.csv", "row 8", "'surplus'", "cells", "quote a cell"),
        ARCHETYPES,
        replace('infrastructure; illustrative"', 'infrastructure; illustrative",surplus'),
    ),
    Case(
        "table-extra-field-claims",
        ("paper_claims.csv", "'surplus'"),
        "data/paper_claims.csv",
        replace(",Molybdenum,Molybdenum,23", ",Molybdenum,Molybdenum,23,surplus"),
    ),
    Case(
        "table-duplicate-column",
        ("stockpile_minerals.csv", "named twice", "'mineral'"),
        MINERALS,
        rename_column("label", "mineral"),
    ),
    Case(
        "table-fractional-year",
        ("stockpile_burden_keys.csv", "'year'", "'2024.5'", "whole number"),
        "data/stockpile_burden_keys.csv",
        replace(",2024,", ",2024.5,"),
    ),
    Case(
        "table-fractional-year-allowed-values",
        ("subsidy_regimes.csv", "'first_year'", "'2024.5'"),
        SUBSIDIES,
        replace("canada_ctm_itc,capex,2024,", "canada_ctm_itc,capex,2024.5,"),
    ),
    Case(
        "table-nan",
        ("stockpile_assumptions.csv", "'value'", "'nan'", "finite"),
        "data/stockpile_assumptions.csv",
        replace("benchmark_defence_cost,6000000000,", "benchmark_defence_cost,nan,"),
    ),
    Case(
        "table-inf",
        ("project_archetypes.csv", "'value'", "'inf'", "finite"),
        ARCHETYPES,
        replace("nickel,capex_usd,1.6e9,", "nickel,capex_usd,inf,"),
    ),
    Case(
        "table-overflow",
        ("project_archetypes.csv", "'1e999'", "finite"),
        ARCHETYPES,
        replace("nickel,capex_usd,1.6e9,", "nickel,capex_usd,1e999,"),
    ),
    Case(
        "table-underscore-number",
        ("stockpile_assumptions.csv", "'6_000_000_000'"),
        "data/stockpile_assumptions.csv",
        replace("benchmark_defence_cost,6000000000,", "benchmark_defence_cost,6_000_000_000,"),
    ),
    Case(
        "table-long-value-cut",
        ("stockpile_assumptions.csv", "(5,004 characters)"),
        "data/stockpile_assumptions.csv",
        replace("benchmark_defence_cost,6000000000,", f"benchmark_defence_cost,{LONG}e999,"),
        absent=(LONG,),
    ),
    Case(
        "registry-not-utf8",
        ("datasets.yaml", "not UTF-8"),
        "data/datasets.yaml",
        latin1("# Registry of", "# Registré of"),
    ),
    # the parameter rules file (notebooks/parameters.yaml), read before anything else
    Case(
        "rules-not-utf8",
        ("notebooks/parameters.yaml", "not UTF-8", "save the file as UTF-8"),
        RULES,
        latin1("# What each chapter", "# What each chapté"),
    ),
    Case(
        "rules-broken-yaml",
        ("notebooks/parameters.yaml", "not valid YAML", "correct the YAML syntax"),
        RULES,
        replace("revenue_share: {min: 0,", "revenue_share: {min: [0,"),
    ),
    Case(
        "rules-not-a-mapping",
        ("notebooks/parameters.yaml", "'revenue_share'", "a rule is a mapping"),
        RULES,
        replace('revenue_share: {min: 0, max: 1, unit: "fraction"}', "revenue_share: between 0 and 1"),
    ),
    Case(
        "rules-bound-not-a-number",
        ("notebooks/parameters.yaml", "'revenue_share'", "a bound is a number", "'one'", "{max: 0}"),
        RULES,
        replace("revenue_share: {min: 0, max: 1,", "revenue_share: {min: 0, max: one,"),
    ),
    Case(
        "rules-choices-not-a-list",
        ("notebooks/parameters.yaml", "'price_model'", "a list of allowed values"),
        RULES,
        replace("price_model: {choices: [gbm, mean_reverting],", "price_model: {choices: gbm,"),
    ),
    Case(
        "rules-whole-file-a-list",
        ("notebooks/parameters.yaml", "a mapping of parameter: rule"),
        RULES,
        lambda text: "- strike_multiple\n",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_stops_the_build_and_keeps_the_report(project, tmp_path, case):
    before = project.published()
    target = project.root / case.file if case.file else None
    original = target.read_bytes() if target else None
    args = list(case.args)
    env = dict(project.env)
    try:
        if target:
            target.chmod(target.stat().st_mode | stat.S_IWUSR)  # fetched files are installed read-only
            broken = case.edit(original.decode("utf-8-sig"))
            target.write_bytes(broken if isinstance(broken, bytes) else broken.encode("utf-8"))
        if case.mirror:
            for relative, edit in case.mirror.items():
                mirrored = tmp_path / "mirror" / relative
                mirrored.parent.mkdir(parents=True)
                mirrored.write_text(edit(original.decode("utf-8-sig")), encoding="utf-8")
            project.env["MINERALS_DATA_MIRROR"] = str(tmp_path / "mirror")
        result = project.build(*args)
    finally:
        project.env.clear()
        project.env.update(env)
        if target:
            target.write_bytes(original)
    output = result.stderr + result.stdout
    assert result.returncode == case.status, output[-2000:]
    for text in case.expect:
        assert text in output, (text, output[-2000:])
    for text in case.absent:
        assert text not in output, output[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert project.published() == before


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 25
