"""Chapters stay thin: few code lines, none too long, no cell rebinding an imported name, one headline-results call;
a chapter run alone checks its parameters by the build's rules; one function patches the injected-parameters cell."""

from __future__ import annotations

import ast
import json

import pytest

from critical_minerals.chapter import parameters
from critical_minerals.chapter.parameters import COMMAND_LINE, RUN_ALONE, ParameterErrors
from critical_minerals.core import paths
from critical_minerals.core.errors import InputError
from critical_minerals.engine import declarations, plan

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))
CODE_LINES_AT_MOST = {
    "01_minerals_tables": 70,
    "02_complementarity": 113,  # three more import lines and one wrapped line since its model is split by concern
    "02b_import_dependence": 96,  # one more import line since the package is layered
    "03_stockpile_cost": 130,
    "04_price_support": 120,
    "05_instruments_2025_26": 105,
}
LINE_LENGTH = 120


def code_cells(notebook) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def code_lines(sources: list[str]) -> int:
    """Lines that are neither blank nor a comment."""
    return sum(
        1 for source in sources for line in source.splitlines() if line.strip() and not line.strip().startswith("#")
    )


def rebound_imports(sources: list[str]) -> list[str]:
    """Names a notebook imports and then assigns (a module rebound to a DataFrame breaks re-running cells)."""
    trees = [ast.parse(source) for source in sources]
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    bound = []
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                bound.append(node.name)
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.comprehension, ast.NamedExpr))
                else [item.optional_vars for item in node.items if item.optional_vars]
                if isinstance(node, ast.With)
                else []
            )
            bound += [name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)]
    return sorted(set(bound) & imported)


def test_the_counts_see_code_lines_and_rebinding():
    sources = ["import pandas as pd\n# a comment\n\nx = 1\n", "for pd in range(2):\n    y = pd\n"]
    assert code_lines(sources) == 4
    assert rebound_imports(sources) == ["pd"]
    assert rebound_imports(["from a import b\nwith open('f') as b:\n    pass\n"]) == ["b"]
    assert rebound_imports(["import numpy as np\nz = np.ones(2)\n"]) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_chapters_are_thin(notebook):
    sources = code_cells(notebook)
    assert code_lines(sources) <= CODE_LINES_AT_MOST[notebook.stem]
    long = [line for source in sources for line in source.splitlines() if len(line) > LINE_LENGTH]
    assert not long, long
    assert not rebound_imports(sources)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_chapter_builds_its_results_with_one_headline_function_and_checks_its_parameters(notebook):
    calls = [
        node
        for source in code_cells(notebook)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    ]
    written = [call for call in calls if call.func.id == "write_results"]
    assert len(written) == 1
    results = written[0].args[2]
    if isinstance(results, ast.Name):  # results = module.headline_results(...); write_results(out, stem, results)
        assigned = [
            node.value
            for source in code_cells(notebook)
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == results.id for t in node.targets)
        ]
        results = assigned[-1]
    assert isinstance(results, ast.Call) and results.func.attr == "headline_results", notebook.stem
    checks = [call for call in calls if call.func.id == "check_run_alone"]
    assert len(checks) == 1 and checks[0].args[0].value == notebook.stem


DECLARED = declarations.declared_parameters(plan.notebooks(plan.load_steps()))


def chapter_values(stem: str, **changes) -> dict:
    values = {p.name: p.default for p in DECLARED if p.notebook == stem}
    return values | {"scenario": "default", "output_dir": ""} | changes


@pytest.mark.parametrize(
    "stem, name, value, text",
    [
        ("04_price_support", "strike_multiple", 20.0, "20.0"),
        ("04_price_support", "headline_instrument", "none", "none"),
        ("04_price_support", "simulation_paths", 20001, "20001"),
        ("03_stockpile_cost", "stockpile_cover_months", 121.0, "121"),
        ("03_stockpile_cost", "stockpile_price_basis", "median", "median"),
        ("02b_import_dependence", "shock_withdrawn_share", 0, "0"),
    ],
)
def test_a_chapter_run_alone_refuses_what_the_build_refuses_in_the_same_words(stem, name, value, text):
    with pytest.raises(ParameterErrors) as build:
        parameters.resolve({}, "", [f"{name}={text}"], DECLARED)
    with pytest.raises(ParameterErrors) as alone:
        parameters.check_run_alone(stem, chapter_values(stem, **{name: value}))
    assert str(alone.value) == str(build.value).replace(COMMAND_LINE, RUN_ALONE)


def test_a_chapter_run_alone_with_its_defaults_or_good_values_passes():
    for stem in {p.notebook for p in DECLARED}:
        parameters.check_run_alone(stem, chapter_values(stem))
    parameters.check_run_alone("04_price_support", chapter_values("04_price_support", strike_multiple=2))


def test_a_chapter_run_alone_reports_a_wrong_type_like_the_build():
    with pytest.raises(InputError, match="'simulation_paths' \\(value '2e4'\\): expected a whole number"):
        try:
            parameters.check_run_alone("04_price_support", chapter_values("04_price_support", simulation_paths="2e4"))
        except ParameterErrors as errors:
            raise errors.errors[0] from None


INJECTED = {
    "cells": [
        {
            "cell_type": "code",
            "metadata": {"tags": ["injected-parameters"]},
            "source": ["# Parameters\n", 'scenario = "build"\n', 'output_dir = "/tmp/x"\n', "strike_multiple = 1.2\n"],
        },
        {"cell_type": "code", "metadata": {}, "source": ['scenario = "kept"\n']},
    ]
}


def test_the_injected_parameters_cell_is_patched_by_one_function():
    cached = parameters.with_scenario(json.loads(json.dumps(INJECTED)), None)
    assert cached["cells"][0]["source"] == ["# Parameters\n", "strike_multiple = 1.2\n"]
    published = parameters.with_scenario(cached, "law_2026_11")
    assert published["cells"][0]["source"] == [
        "# Parameters\n",
        'scenario = "law_2026_11"\n',
        "strike_multiple = 1.2\n",
    ]
    assert published["cells"][1]["source"] == ['scenario = "kept"\n']  # only papermill's cell


@pytest.mark.parametrize(
    "setting",
    [
        "supply_stage=smelter",
        "commodity_scope=paper16",
        "overlap_threshold_pp=0",
        "leading_margin_pp=120",
        "dependence_scope=t6",
        "revenue_share=1.2",
        "collar_cap_multiple=0.9",
        "reference_price_basis=china",
        "tariff_pass_through=2",
        "support_years=0",
        "price_model=jump",
        "subsidy_regime=eu",
        "bankability_target=1",
        "stockpile_price_basis=median",
        "stockpile_quantity_basis=north_america",
        "stockpile_defence_share=0",
        "stockpile_usgs_edition=2022",
        "stockpile_mc_draws=10",
        "stockpile_discount_rate=-0.01",
    ],
)
def test_the_static_rules_the_package_no_longer_checks_are_the_rules_files(setting):
    """cfd, stockpile, complementarity and dependence check only what depends on the data; these are refused before
    any kernel starts (and by a chapter run alone), from notebooks/parameters.yaml."""
    with pytest.raises(ParameterErrors, match=f"field '{setting.split('=')[0]}'"):
        parameters.resolve({}, "", [setting], DECLARED)
