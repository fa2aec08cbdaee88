"""Rerunning with new parameters, as a user does it, on the built copy of the project: -p builds publish variants
beside their scenario, the comparison follows every republish, a chapter run alone leaves the published report
alone, --explain says why a step re-runs, and every common slip gets one message with the exact fix."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest
from conftest import SMALL

VARIANT = "default+strike_multiple=1.2"


def run(project, *args):
    return subprocess.run(
        [sys.executable, "build.py", *args],
        cwd=project.root,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_p_build_publishes_a_variant_and_leaves_its_scenario_as_published(project):
    before = project.published()
    result = project.build("-p", "strike_multiple=1.2")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "04_price_support               queued: parameter strike_multiple: 1.0 → 1.2" in result.stdout
    assert f"{VARIANT}: a variant of default (strike_multiple 1.0 → 1.2); build/default/ is unchanged" in result.stdout
    assert project.published() == before
    report = (project.root / "build" / VARIANT / "report.html").read_text(encoding="utf-8")
    assert f"Scenario <strong>{VARIANT}</strong>" in report
    assert any((project.root / "figures" / VARIANT).glob("04_*.png"))
    record = json.loads((project.root / "build" / VARIANT / "manifest.json").read_text(encoding="utf-8"))
    assert record["variant"] == {
        "of": "default",
        "overrides": {"strike_multiple": 1.2},
        "before": {"strike_multiple": 1.0},
    }

    listed = run(project, "--list")
    assert listed.returncode == 0
    assert re.search(rf"  {re.escape(VARIANT)} +of default: strike_multiple 1.0 → 1.2; built 20", listed.stdout)
    line = next(line for line in listed.stdout.splitlines() if line.startswith("  default "))
    assert all(f"{name}={value}" in line for name, value in SMALL.items()) and "; built 20" in line, line

    refused = run(project, "--remove", "default")
    assert refused.returncode == 2 and "named scenario" in refused.stderr and "--force" in refused.stderr
    assert project.published() == before
    typo = run(project, "--remove", "default+strike_multiple=1.3")
    assert typo.returncode == 2 and f"did you mean {VARIANT!r}" in typo.stderr
    removed = run(project, "--remove", VARIANT)
    assert removed.returncode == 0, removed.stderr
    assert not (project.root / "build" / VARIANT).exists() and not (project.root / "figures" / VARIANT).exists()
    assert project.published() == before


def test_variant_names_are_safe_folder_names_and_name_gives_one(project):
    from critical_minerals.engine import variants

    assert (
        variants.variant_name("default", {"strike_multiple": 1.2, "calibrate_real_prices": False})
        == "default+calibrate_real_prices=false+strike_multiple=1.2"
    )
    long = variants.variant_name("default", {f"p{i}": "x" * 20 for i in range(6)})
    assert re.fullmatch(r"default\+6-changes-[0-9a-f]{10}", long)
    odd = variants.variant_name("default", {"stockpile_design": 'a:b*?"<>|'})
    assert not set(':*?"<>|') & set(odd)
    result = project.build("--name", "default")
    assert result.returncode == 2 and "a named scenario has this name" in result.stderr


def test_explain_says_which_part_of_each_key_changed_and_builds_nothing(project):
    before = project.published()
    started = time.perf_counter()
    result = project.build("--explain", "-p", "strike_multiple=1.3", "-p", "stockpile_cover_months=6")
    assert result.returncode == 0, result.stderr
    assert time.perf_counter() - started < 30
    lines = [line.split(maxsplit=1) for line in result.stdout.splitlines() if line.startswith("  ")]
    why = dict((name, status) for name, status in lines)
    assert why["04_price_support"] == "queued: parameter strike_multiple: 1.0 → 1.3"
    assert why["03_stockpile_cost"] == "queued: parameter stockpile_cover_months: 0.0 → 6.0"
    assert why["tables"] == why["01_minerals_tables"] == "skipped (cached)"
    assert "nothing built (--explain)" in result.stdout and "running" not in result.stdout
    assert project.published() == before
    assert not list((project.root / "build").glob("default+*stockpile_cover_months=6.0*"))


def test_explain_names_a_changed_data_file(project):
    from critical_minerals.engine import explain

    old = {
        "parameters": {"a": 1},
        "files": {"data/x.csv": "1", "data/y.csv": "2"},
        "code": "c",
        "package": {},
        "requirements": "r",
        "python": "3.11.7",
        "needs": {"tables": "k"},
    }
    new = {**old, "files": {"data/x.csv": "9", "data/y.csv": "2"}, "python": "3.12.0"}
    assert explain.changes(old, new) == ["file: data/x.csv changed", "Python 3.11.7 → 3.12.0"]
    assert explain.changes(old, {**old, "package": {"critical_minerals/models/cfd/model.py": "2"}}) == [
        "package code: critical_minerals/models/cfd/model.py added"
    ]
    assert explain.changes(old, {**old, "needs": {"tables": "other"}}) == ["tables changed"]


def test_the_comparison_is_rewritten_when_a_scenario_it_shows_is_republished(project):
    import pandas as pd

    from critical_minerals.report import compare, compare_figures, summary

    scenario = project.root / "scenarios/cmp_b.yaml"
    scenario.write_text(
        "".join(f"{k}: {v}\n" for k, v in SMALL.items()) + "subsidy_regime: us_45x_permanent\n", encoding="utf-8"
    )
    first = project.build("--scenario", "default,cmp_b")
    assert first.returncode == 0, first.stderr[-2000:]
    page = (project.root / "build/compare.html").read_text(encoding="utf-8")
    assert (
        "<li>cmp_b: differs in the law, on the same data (the law: subsidy_regime none → us_45x_permanent)</li>" in page
    )

    scenario.write_text(scenario.read_text(encoding="utf-8") + "strike_multiple: 1.2\n", encoding="utf-8")
    second = project.build("--scenario", "cmp_b")  # only cmp_b: the page must follow all the same
    assert second.returncode == 0, second.stderr[-2000:]
    page = (project.root / "build/compare.html").read_text(encoding="utf-8")
    assert (
        "differs in the law and other parameters, on the same data (the law: subsidy_regime none → "
        "us_45x_permanent; other parameters: strike_multiple 1.0 → 1.2)"
    ) in page
    share = json.loads((project.root / "build/cmp_b/results/04_price_support.json").read_text(encoding="utf-8"))
    assert f"{share['zero_cost_revenue_share']:.2f}" in page  # the number its report shows now
    assert "not comparable: strike_multiple 1.2 against 1.0" in page  # floors at different strikes
    manifest = json.loads((project.root / "build/cmp_b/manifest.json").read_text(encoding="utf-8"))
    assert f"<code>{manifest['report_key'][:12]}</code>" in page  # the build each column came from
    assert re.search(r"\(\+\d+\.\d%\)", page) or "not comparable" in page

    # every link into a report reaches a place that report has; the zero-cost share's explanation is a paragraph
    for href in set(re.findall(r'href="((?:default|cmp_b)/report\.html)#([^"]+)"', page)):
        report = (project.root / "build" / href[0]).read_text(encoding="utf-8")
        assert f'id="{href[1]}"' in report, href
    explained = compare.explanation_anchor(
        next(
            s
            for s in summary.statements(summary.read_results(project.root / "build/cmp_b"))
            if s.key == "zero_cost_revenue_share"
        )
    )
    assert explained == "ch04-p-zero-cost-revenue-share"
    assert f'<p id="{explained}"><strong>Zero-cost revenue share' in (
        project.root / "build/cmp_b/report.html"
    ).read_text(encoding="utf-8")
    # groups are titled as the reports title them, not by file stems
    groups = re.findall(r'<th scope="rowgroup"[^>]*>(.*?)</th>', page)
    assert groups and all(group.startswith("Chapter ") for group in groups), groups
    # the figures that changed are drawn from their CSVs on shared axes: the same limits in both columns, and the
    # limits hold every plotted value of both scenarios
    figures = {
        name: [project.root / "figures" / s / f"{name}.csv" for s in ("default", "cmp_b")]
        for name in re.findall(r'<h3 id="figure-([^"]+)">', page)
    }
    assert any(name.startswith("04_") for name in figures), figures
    for name, csvs in figures.items():
        drawn = compare_figures.redraw(name, csvs)
        if drawn is None:
            continue
        assert drawn[0].x == drawn[1].x and drawn[0].y == drawn[1].y, name
        spec = compare_figures.spec_for(name)
        assert f"shared axes in every scenario: {compare_figures.limits_text(drawn[0], spec)}." in page
        x_columns, _ = compare_figures.value_columns(spec)
        if x_columns and not spec.dates and spec.kind != "stacked":
            plotted = pd.concat([pd.read_csv(csv)[x_columns] for csv in csvs]).apply(pd.to_numeric).stack()
            assert drawn[0].x[0] <= plotted.min() and plotted.max() <= drawn[0].x[1], name


def test_a_chapter_run_alone_writes_to_a_working_folder_and_never_to_the_published_one(project, tmp_path):
    before = project.published()
    env = {**project.env, "MINERALS_DATA_DIR": str(project.root / "data/external")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(project.root / "notebooks/04_price_support.ipynb"),
            "run.ipynb",
            "-p",
            "simulation_paths",
            "2000",
            "--kernel",
            "python3",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert project.published() == before
    work = project.root / "work" / "default"
    assert (work / "results/04_price_support.json").is_file() and (work / "tables/prices_monthly.parquet").is_file()
    assert any((work / "figures").glob("04_*.png"))
    executed = (tmp_path / "run.ipynb").read_text(encoding="utf-8")
    assert "this chapter writes its tables, results and figures to" in executed
    assert "is not touched" in executed


def test_an_inactive_environment_gets_one_line_saying_how_to_activate(project):
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-S", "build.py"],
        cwd=project.root,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert ". .venv/bin/activate" in result.stderr and ".venv\\Scripts\\activate" in result.stderr
    assert "pillow" in result.stderr or "more" in result.stderr
    assert time.perf_counter() - started < 10  # no kernel started


SLIPS = [
    (
        "percent",
        ("-p", "stockpile_defence_share=50%"),
        None,
        ["'stockpile_defence_share'", "'50%'", "write 0.5 for 50 %"],
    ),
    (
        "decimal-comma",
        ("-p", "strike_multiple=1,2"),
        None,
        ["'strike_multiple'", "use a decimal point", "strike_multiple=1.2"],
    ),
    ("choice-typo", ("-p", "stockpile_design=defense"), None, ["'stockpile_design'", "did you mean 'defence'"]),
    (
        "scenario-typo",
        ("--scenario", "my_lithum"),
        ("my_lithium", "project_archetype: lithium\n"),
        ["'my_lithum'", "did you mean 'my_lithium'"],
    ),
    (
        "nested-under-chapter",
        ("--scenario", "slip"),
        ("slip", "04_price_support:\n  strike_multiple: 1.2\n"),
        ["'04_price_support' is not a parameter: scenario files are flat", "write `strike_multiple: 1.2`"],
    ),
    ("underscore", ("-p", "simulation_paths=1_000"), None, ["'simulation_paths'", "write 1000"]),
    ("other-script-digits", ("-p", "comparison_year=\u0662\u0660\u0662\u0662"), None, ["digits other than 0-9"]),
    ("thousands-of-digits", ("-p", "simulation_paths=" + "9" * 5000), None, ["too long for a number"]),
    (
        "yaml-quoted-number-same-as-p",
        ("--scenario", "slip"),
        ("slip", 'stockpile_cover_months: "2,5"\n'),
        ["'stockpile_cover_months'", "use a decimal point"],
    ),
    ("bool-word", ("-p", "stockpile_real_prices=maybe"), None, ["expected true or false"]),
    (
        "duplicate-key",
        ("--scenario", "slip"),
        ("slip", "strike_multiple: 1.2\nstrike_multiple: 1.3\n"),
        ["scenarios/slip.yaml", "'strike_multiple' is given twice"],
    ),
    (
        "alias-bomb",
        ("--scenario", "slip"),
        (
            "slip",
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"a{i}: &a{i} [{', '.join(['*a' if i == 1 else f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)),
        ),
        ["scenarios/slip.yaml", "YAML alias"],
    ),
    (
        "not-utf8",
        ("--scenario", "slip"),
        ("slip", b"strike_multiple: 1.2 # caf\xe9\n"),
        ["scenarios/slip.yaml", "not UTF-8", "save the file as UTF-8"],
    ),
    ("empty-scenario", ("--scenario", ""), None, ["--scenario", "no scenario named"]),
    ("name-for-two", ("--scenario", "default,law_2026_11", "--name", "mine"), None, ["--name names one variant"]),
]


@pytest.mark.parametrize("args, scenario, expect", [case[1:] for case in SLIPS], ids=[case[0] for case in SLIPS])
def test_each_slip_gets_one_message_with_the_fix(project, args, scenario, expect):
    before = project.published()
    written = None
    if scenario:
        written = project.root / "scenarios" / f"{scenario[0]}.yaml"
        content = scenario[1]
        written.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    try:
        started = time.perf_counter()
        result = project.build(*args)
        seconds = time.perf_counter() - started
    finally:
        if written:
            written.unlink()
    assert result.returncode == 2, result.stderr[-2000:]
    for words in expect:
        assert words in result.stderr, (words, result.stderr[-2000:])
    assert "Traceback" not in result.stderr and len(result.stderr) < 1000
    assert seconds < 20  # refused before any kernel starts, an alias bomb before it expands
    assert project.published() == before


def test_differences_are_absolute_and_relative_and_shares_above_one_are_explained():
    from critical_minerals.report import compare
    from critical_minerals.report.summary import Statement

    def statement(number, key="instruments.floor.fiscal_npv_mean", spec=",.0f", unit="million USD"):
        return Statement("04_price_support", key, "cost", format(number, spec), unit, spec, number, None)

    assert compare.difference(statement(1197.0), statement(613.0)) == "+584 million USD (+95.3%)"
    assert (
        compare.difference(statement(0.83, spec=".0%", unit=""), statement(0.92, spec=".0%", unit=""))
        == "-9 percentage points"
    )
    assert compare.needs_explaining(statement(3.66, key="zero_cost_revenue_share", spec=".2f", unit=""))
    assert not compare.needs_explaining(statement(0.8, key="zero_cost_revenue_share", spec=".2f", unit=""))


def test_figures_that_change_state_the_plotted_ranges(tmp_path):
    from critical_minerals.report import compare

    for name, high in (("a", 613.0), ("b", 1197.0)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "04_cost.png").write_bytes(b"")
        (tmp_path / name / "04_cost.csv").write_text(f"instrument,mean\nfloor,{high}\ncfd,-1.5\n", encoding="utf-8")
    notes = compare.range_notes([tmp_path / "a/04_cost.png", tmp_path / "b/04_cost.png"], ["a", "b"])
    assert notes == ["mean: a -1.5 to 613; b -1.5 to 1,197"]
