"""Which parameters the chapter notebooks declare: papermill's reading of each parameters cell, memoised in the
build cache, checked against the rules of notebooks/parameters.yaml (the build's side of the parameters; the rules
themselves are in `parameters`, which the chapters and the report use too)."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from ..chapter.parameters import BUILD_PARAMETERS, SPEC_FILE, TYPES, Parameter, load_spec
from ..core.errors import InputError
from ..core.paths import project_path
from . import cache


def notebook_parameters(notebook: Path, cache_dir: Path | None = None) -> list[dict]:
    """papermill's reading of a notebook's parameters cell, cached by the notebook's content (papermill is slow to
    import; a no-op rebuild should not need it)."""
    digest = hashlib.sha256(notebook.read_bytes()).hexdigest()
    cached = cache_dir / f"parameters-{digest[:20]}.json" if cache_dir else None
    if cached and (found := cache.read_json(cached)) is not None:
        return found
    import papermill

    found = [
        {"name": item["name"], "type": item["inferred_type_name"], "default": item["default"], "help": item["help"]}
        for item in papermill.inspect_notebook(str(notebook)).values()
    ]
    if cached:
        cache.write_json(cached, found)
    return found


def declared_parameters(
    notebooks: list[Path], spec_file: Path = SPEC_FILE, cache_dir: Path | None = None
) -> list[Parameter]:
    """Every parameter of every notebook with its rule; the spec and the notebooks must agree on the names."""
    spec = load_spec(spec_file)
    found = []
    for notebook in notebooks:
        for item in notebook_parameters(notebook, cache_dir):
            name, kind = item["name"], item["type"]
            where = f"{project_path(notebook)}, parameters cell"
            if kind not in TYPES:
                raise InputError(
                    f"type {kind!r} is not one the build can check",
                    file=where,
                    field=name,
                    fix=f"annotate it as one of {TYPES}",
                )
            try:
                default = ast.literal_eval(item["default"])
            except (ValueError, SyntaxError):
                raise InputError(
                    "default is not a literal",
                    file=where,
                    field=name,
                    value=item["default"],
                    fix="give a plain literal default (a string, number or True/False)",
                ) from None
            if name not in BUILD_PARAMETERS and name not in spec:
                raise InputError(
                    "parameter has no rule",
                    file=project_path(spec_file),
                    field=name,
                    fix=f"add `{name}: {{...}}` (allowed values) to {project_path(spec_file)}",
                )
            found.append(Parameter(notebook.stem, name, kind, default, item["help"], spec.get(name, {})))
    names = [p.name for p in found if p.name not in BUILD_PARAMETERS]
    if duplicated := sorted({name for name in names if names.count(name) > 1}):
        raise InputError(
            "parameter declared by more than one chapter",
            field=duplicated[0],
            fix="give each chapter's parameters their own names",
        )
    if unused := sorted(set(spec) - set(names)):
        raise InputError(
            "rule for a parameter no notebook declares",
            file=project_path(spec_file),
            field=unused[0],
            fix="remove it or correct its name",
        )
    return found
