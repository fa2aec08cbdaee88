"""The package's import contract: data flows one way, from sources through the tidy tables and the models to the
figures and the report, and only the build engine sees everything. Every import of every module (including those
inside functions) is read with `ast` and checked against the contract below."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "critical_minerals"

# ---------------------------------------------------------------- the contract
# Each layer (a subpackage, or the module `tables`) may import itself and the layers listed for it — no other part of
# the package. Read top to bottom, this is the data flow.
MAY_IMPORT = {
    "core": set(),  # paths, errors, digests, formatting: knows nothing of the subject
    "sources": {"core"},  # the official datasets and hand-written tables, each read and validated
    "chapter": {"core", "sources"},  # what a chapter needs to run alone: parameter rules, where it writes
    "tables": {"core", "sources", "chapter"},  # the tidy tables, built once from the sources
    "models": {"core", "sources", "chapter", "tables"},  # one subpackage per chapter's analysis
    "figures": {"core", "sources", "chapter", "tables", "models"},
    "report": {"core", "sources", "chapter", "tables", "models", "figures"},
    "engine": {"core", "sources", "chapter", "tables", "models", "figures", "report"},  # the build; nothing imports it
}
# Models may use other models only as listed here (a model uses only its own subpackage otherwise).
MODEL_USES = {
    "complementarity": set(),
    "dependence": {"complementarity"},
    "stockpile": set(),
    "prices": set(),
    "project_finance": set(),
    "cfd": {"prices", "project_finance"},
    "instruments": {"cfd", "prices", "project_finance", "stockpile"},
}
# Modules that import nothing but the standard library (build.py runs the environment check before anything the
# environment may lack is imported), and packages whose __init__ imports nothing (so importing one module of the
# layer does not load the rest).
STANDARD_LIBRARY_ONLY = {f"{PACKAGE}.engine.environment"}
EMPTY_INIT = {f"{PACKAGE}.engine", f"{PACKAGE}.models", f"{PACKAGE}.sources", f"{PACKAGE}.core", f"{PACKAGE}.chapter"}
# The chapters (notebooks) run on their own, without the build: they never import the engine.
NOTEBOOKS_MAY_NOT_IMPORT = {"engine"}


# ---------------------------------------------------------------- reading the imports
def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package_module(dotted: str) -> bool:
    base = ROOT / dotted.replace(".", "/")
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imported(source: str, name: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in `source`, a module named `name`; `from P import x` counts as
    importing P.x when that is a module of the package."""
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((node.lineno, full if is_package_module(full) else base))
    return found


def layer(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if parts[0] == PACKAGE and len(parts) > 1 else None


def model(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "models" else None


def violations(name: str, imports: list[tuple[int, str]]) -> list[str]:
    """What breaks the contract in one module's imports."""
    own = layer(name)
    problems = []
    if own is None:
        return (
            [f"{name}: the package's own __init__ imports {[m for _, m in imports if m.startswith(PACKAGE)]}"]
            if any(m.startswith(PACKAGE + ".") for _, m in imports)
            else []
        )
    if own not in MAY_IMPORT:
        return [f"{name}: `{own}` is in no layer; add it to MAY_IMPORT in tests/test_layers.py"]
    for line, target in imports:
        if name in STANDARD_LIBRARY_ONLY and target.split(".")[0] not in sys.stdlib_module_names:
            problems.append(f"{name}:{line} imports {target}, not the standard library")
        theirs = layer(target)
        if theirs is None or theirs == own:
            if own == "models" and theirs == "models" and model(name) and model(target):
                if model(name) not in MODEL_USES:
                    problems.append(f"{name}: model `{model(name)}` is not in MODEL_USES in tests/test_layers.py")
                elif model(target) != model(name) and model(target) not in MODEL_USES[model(name)]:
                    problems.append(
                        f"{name}:{line} imports {target}: model `{model(name)}` may use only "
                        f"{sorted(MODEL_USES[model(name)]) or 'its own modules'}"
                    )
            continue
        if theirs not in MAY_IMPORT[own]:
            problems.append(f"{name}:{line} imports {target}: `{own}` may import only {sorted(MAY_IMPORT[own])}")
    if name in EMPTY_INIT and imports:
        problems.append(f"{name}/__init__.py imports {[m for _, m in imports]}: it must import nothing")
    return problems


def package_modules() -> list[Path]:
    return sorted(path for path in (ROOT / PACKAGE).rglob("*.py") if "__pycache__" not in path.parts)


# ---------------------------------------------------------------- the tests
@pytest.mark.parametrize("path", package_modules(), ids=lambda p: str(p.relative_to(ROOT / PACKAGE)))
def test_every_import_follows_the_layers(path):
    name = module_name(path)
    assert violations(name, imported(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")) == []


def test_every_part_of_the_package_is_in_a_layer():
    parts = {
        path.stem if path.suffix == ".py" else path.name
        for path in (ROOT / PACKAGE).iterdir()
        if path.name not in ("__init__.py", "__pycache__")
    }
    assert parts <= set(MAY_IMPORT), f"not in the contract: {sorted(parts - set(MAY_IMPORT))}"
    models = {path.name for path in (ROOT / PACKAGE / "models").iterdir() if (path / "__init__.py").is_file()}
    assert models == set(MODEL_USES)


@pytest.mark.parametrize("notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_chapters_import_no_engine(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    code = "\n".join("#" + line if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines())
    used = {layer(target) for _, target in imported(code, "__main__", False)}
    assert not used & NOTEBOOKS_MAY_NOT_IMPORT


def test_the_contract_catches_an_import_against_the_flow():
    """The checker itself: a source reading the engine, a model drawing a figure, a model using an unlisted model."""
    source = (
        "from ...engine import plan\nfrom ...figures import cfd\nfrom ..stockpile import model as stockpile\n"
        "from . import text\n"
    )
    found = violations(f"{PACKAGE}.models.prices.model", imported(source, f"{PACKAGE}.models.prices.model", False))
    assert len(found) == 3 and "engine" in found[0] and "figures" in found[1] and "stockpile" in found[2]
    assert violations(f"{PACKAGE}.sources.units", [(1, f"{PACKAGE}.tables")])
    assert violations(f"{PACKAGE}.engine.environment", [(1, "yaml")])
