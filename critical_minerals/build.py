"""Build the report: fetch data, execute every chapter with papermill into a staging folder, render HTML, publish.

The published outputs (build/<scenario>/, figures/<scenario>/) are replaced only when every chapter has succeeded,
so a failing cell or bad input never leaves a broken report behind.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import papermill
import yaml
from papermill.exceptions import PapermillExecutionError

from . import datasets, paths, report
from .errors import InputError

KERNEL = "python3"
BUILD_PARAMETERS = ("scenario", "output_dir")  # set by the build itself, not by users


@dataclass(frozen=True)
class Parameter:
    notebook: str
    name: str
    type: str
    default: str
    help: str


def chapters(folder: Path = paths.NOTEBOOKS_DIR) -> list[Path]:
    """The report's chapters, in order: notebooks named NN_<stem>.ipynb."""
    return sorted(path for path in folder.glob("[0-9][0-9]_*.ipynb"))


def declared_parameters(notebooks: list[Path]) -> list[Parameter]:
    found = []
    for path in notebooks:
        for item in papermill.inspect_notebook(str(path)).values():
            found.append(Parameter(path.stem, item["name"], item["inferred_type_name"], item["default"], item["help"]))
    return found


def coerce(parameter: Parameter, value: object, origin: str) -> object:
    """A value from YAML or the command line, converted to the type the notebook declares.

    A string stays a string ('007' is not 7); numbers and booleans must parse exactly as their type.
    """
    kind = parameter.type
    if kind == "str":
        return value if isinstance(value, str) else str(value)
    text = value.strip().lower() if isinstance(value, str) else value
    if kind == "bool" and text in (True, False, "true", "false"):
        return text in (True, "true")
    if kind in ("int", "float") and not isinstance(text, bool):
        try:
            number = float(text)
            if kind == "float":
                return number
            if number.is_integer() and "." not in str(text) and "e" not in str(text):
                return int(number)
        except (TypeError, ValueError):
            pass
    if kind not in ("bool", "int", "float"):
        return value  # a type the build does not check (lists, dicts): passed as given
    raise InputError(f"expected {kind}", file=origin, field=parameter.name, value=value,
                     fix=f"give a {kind}, like the default {parameter.default}")


def load_scenario(name: str, folder: Path = paths.SCENARIOS_DIR) -> dict:
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise InputError("scenario not found", file=path, field="--scenario", value=name,
                         fix=f"choose one of {known} or create {shown(path)}")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise InputError(f"not valid YAML ({err})", file=path, fix="correct the YAML syntax") from None
    if not isinstance(values, dict):
        raise InputError("a scenario is a flat mapping of parameter: value", file=path, value=values)
    return values


def resolve_parameters(scenario: dict, overrides: list[str], declared: list[Parameter], origin: str) -> dict:
    """Scenario values, then -p overrides, each checked against the parameters the notebooks declare."""
    by_name = {p.name: p for p in declared if p.name not in BUILD_PARAMETERS}
    resolved = {}
    pairs = [(name, value, origin) for name, value in scenario.items()]
    for item in overrides:
        if "=" not in item:
            raise InputError("expected name=value", field="-p", value=item, fix="write -p name=value")
        name, value = item.split("=", 1)
        pairs.append((name.strip(), value, "command line (-p)"))
    for name, value, source in pairs:
        if name not in by_name:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InputError("unknown parameter", file=source, field=name, value=value,
                             fix=f"{hint}`python build.py --list-params` lists them")
        resolved[name] = coerce(by_name[name], value, source)
    return resolved


def execute(notebook: Path, staging: Path, parameters: dict, scenario: str, declared: list[Parameter]) -> Path:
    executed = staging / "notebooks" / notebook.name
    executed.parent.mkdir(parents=True, exist_ok=True)
    own = {p.name for p in declared if p.notebook == notebook.stem}
    chosen = {name: value for name, value in parameters.items() if name in own}
    chosen.update(scenario=scenario, output_dir=str(staging))
    papermill.execute_notebook(str(notebook), str(executed), parameters=chosen, kernel_name=KERNEL,
                               progress_bar=False, cwd=str(notebook.parent))
    return executed


def publish(staging: Path, scenario: str) -> Path:
    """Swap the staged outputs in for the published ones: build/<scenario>/ and figures/<scenario>/."""
    target, figures = paths.build_dir() / scenario, paths.figures_dir() / scenario
    for staged, published in ((staging / "figures", figures), (staging, target)):
        published.parent.mkdir(parents=True, exist_ok=True)
        retired = published.with_name(f".retired-{published.name}")
        shutil.rmtree(retired, ignore_errors=True)
        if published.exists():
            published.rename(retired)
        staged.rename(published)
        shutil.rmtree(retired, ignore_errors=True)
    return target / "report.html"


def build(scenario: str, overrides: list[str]) -> Path:
    notebooks = chapters()
    declared = declared_parameters(notebooks)
    parameters = resolve_parameters(load_scenario(scenario), overrides, declared,
                                     str(paths.SCENARIOS_DIR / f"{scenario}.yaml"))
    print(f"data: {datasets.fetch().summary()}", flush=True)
    staging = paths.build_dir() / f".staging-{scenario}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "figures").mkdir(parents=True)
    executed = []
    for notebook in notebooks:
        started = time.perf_counter()
        print(f"{notebook.stem}: running", flush=True)
        try:
            executed.append(execute(notebook, staging, parameters, scenario, declared))
        except PapermillExecutionError as err:
            kept = paths.build_dir() / f"{scenario}.failed"
            shutil.rmtree(kept, ignore_errors=True)
            staging.rename(kept)
            raise BuildFailure(
                f"{shown(notebook)}, cell {err.cell_index} (execution count {err.exec_count}): "
                f"{err.ename}: {err.evalue}\n  executed notebook kept for debugging: "
                f"{shown(kept / 'notebooks' / notebook.name)}\n  "
                f"the last good report is unchanged"
            ) from None
        print(f"{notebook.stem}: done in {time.perf_counter() - started:.1f} s", flush=True)
    report.write_report(executed, scenario, staging / "report.html")
    return publish(staging, scenario)


class BuildFailure(Exception):
    pass


def shown(path: Path) -> str:
    """A path as users should read it: relative to the project when inside it."""
    return str(path.relative_to(paths.ROOT)) if path.is_relative_to(paths.ROOT) else str(path)


def list_parameters() -> None:
    for p in declared_parameters(chapters()):
        print(f"{p.notebook}\t{p.name}: {p.type} = {p.default}\t{p.help}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python build.py", description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="default", help="scenarios/<NAME>.yaml (default: default)")
    parser.add_argument("-p", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                        help="override a notebook parameter (repeatable)")
    parser.add_argument("--list-params", action="store_true", help="list every notebook parameter and exit")
    args = parser.parse_args(argv)
    if args.list_params:
        list_parameters()
        return 0
    started = time.perf_counter()
    try:
        path = build(args.scenario, args.overrides)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BuildFailure as err:
        print(f"build failed: {err}", file=sys.stderr)
        return 1
    print(f"report: {shown(path)} ({time.perf_counter() - started:.1f} s)")
    return 0
