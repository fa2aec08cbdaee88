"""The project's habits, checked: ruff finds nothing and has nothing to reformat, notebooks are committed without
outputs, the pre-commit hooks use the pinned ruff."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"])
def test_ruff_is_clean(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True, encoding="utf-8"
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_carry_no_outputs_or_execution_counts(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code, f"{notebook.name}: no code cells"
    assert [index for index, cell in enumerate(cells) if cell.get("outputs")] == []
    assert [index for index, cell in enumerate(cells) if cell.get("execution_count") is not None] == []


def test_pre_commit_runs_the_pinned_ruff():
    pinned = re.search(r"^ruff==(\S+)$", (ROOT / "requirements.txt").read_text(encoding="utf-8"), re.M)
    hooks = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert pinned and f"rev: v{pinned.group(1)}" in hooks


def layout_rows() -> dict[str, str]:
    """The README's layout table: path -> what."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Layout\n", 1)[1]
    return dict(re.findall(r"^\| `([^`]+)` \| (.*) \|$", section, re.M))


def test_readme_layout_lists_every_package_folder_and_module():
    rows = layout_rows()
    package = ROOT / "critical_minerals"
    listed = {path for path in rows if path.startswith("critical_minerals/")}
    assert [path for path in listed if not (ROOT / path).exists()] == []  # nothing listed that is gone
    for folder in sorted({path.parent for path in package.rglob("*.py") if "__pycache__" not in path.parts}):
        modules = sorted(path.stem for path in folder.glob("*.py") if path.stem != "__init__")
        if folder.parent.name == "models":  # a model's subpackage: named, with its modules, in the models row
            row, names = rows["critical_minerals/models/"], [f"{folder.name}/"] + [m for m in modules if m != "model"]
        elif folder == package:  # the layers' own modules (tables) each have a row
            assert [m for m in modules if f"critical_minerals/{m}.py" not in rows] == []
            continue
        else:
            row, names = rows[f"{folder.relative_to(ROOT).as_posix()}/"], modules
        assert [name for name in names if f"`{name}`" not in row] == [], folder.relative_to(ROOT)
