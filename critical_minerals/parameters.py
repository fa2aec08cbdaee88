"""Chapter parameters: declared by the notebooks, constrained by notebooks/parameters.yaml, set by scenarios and -p.

Every value is checked here, before any kernel starts: the name must exist, the value must have the declared type
(from the annotation in the notebook's parameters cell) and satisfy the declared rule. Each bad value gets its own
message naming where it came from, the parameter, the value and the fix.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import cache, paths
from .data_files import read_rows
from .errors import InputError

SPEC_FILE = paths.NOTEBOOKS_DIR / "parameters.yaml"
BUILD_PARAMETERS = ("scenario", "output_dir")  # set by the build for every chapter, never by users
TYPES = ("str", "int", "float", "bool")
RULE_KEYS = {"choices", "choices_from", "comma_separated", "min", "max", "above", "below", "multiple_of"}
SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
COMMAND_LINE = "command line (-p)"


@dataclass(frozen=True)
class Parameter:
    notebook: str
    name: str
    type: str
    default: object  # the parsed default of the parameters cell
    help: str
    rule: dict = field(default_factory=dict, hash=False, compare=False)

    def allowed(self) -> str:
        """The rule in words, for --list-params and error messages."""
        rule, parts = self.rule, []
        if "choices" in rule or "choices_from" in rule:
            listed = ", ".join(str(choice) for choice in choices(self))
            parts.append(f"comma-separated from {listed}" if rule.get("comma_separated") else f"one of {listed}")
        bounds = [f">= {rule['min']}" if "min" in rule else "", f"> {rule['above']}" if "above" in rule else "",
                  f"<= {rule['max']}" if "max" in rule else "", f"< {rule['below']}" if "below" in rule else ""]
        if any(bounds):
            parts.append(" and ".join(bound for bound in bounds if bound))
        if "multiple_of" in rule:
            parts.append(f"a multiple of {rule['multiple_of']}")
        if self.type == "bool":
            parts.append("true or false")
        return "; ".join(parts) or "any"


# ---------------------------------------------------------------- declarations

def notebook_parameters(notebook: Path, cache_dir: Path | None = None) -> list[dict]:
    """papermill's reading of a notebook's parameters cell, cached by the notebook's content (papermill is slow to
    import; a no-op rebuild should not need it)."""
    digest = hashlib.sha256(notebook.read_bytes()).hexdigest()
    cached = cache_dir / f"parameters-{digest[:20]}.json" if cache_dir else None
    if cached and (found := cache.read_json(cached)) is not None:
        return found
    import papermill

    found = [{"name": item["name"], "type": item["inferred_type_name"], "default": item["default"],
              "help": item["help"]} for item in papermill.inspect_notebook(str(notebook)).values()]
    if cached:
        cache.write_json(cached, found)
    return found


def declared_parameters(notebooks: list[Path], spec_file: Path = SPEC_FILE,
                        cache_dir: Path | None = None) -> list[Parameter]:
    """Every parameter of every notebook with its rule; the spec and the notebooks must agree on the names."""
    spec = load_spec(spec_file)
    found = []
    for notebook in notebooks:
        for item in notebook_parameters(notebook, cache_dir):
            name, kind = item["name"], item["type"]
            where = f"{shown(notebook)}, parameters cell"
            if kind not in TYPES:
                raise InputError(f"type {kind!r} is not one the build can check", file=where, field=name,
                                 fix=f"annotate it as one of {TYPES}")
            try:
                default = ast.literal_eval(item["default"])
            except (ValueError, SyntaxError):
                raise InputError("default is not a literal", file=where, field=name, value=item["default"],
                                 fix="give a plain literal default (a string, number or True/False)") from None
            if name not in BUILD_PARAMETERS and name not in spec:
                raise InputError("parameter has no rule", file=shown(spec_file), field=name,
                                 fix=f"add `{name}: {{...}}` (allowed values) to {shown(spec_file)}")
            found.append(Parameter(notebook.stem, name, kind, default, item["help"], spec.get(name, {})))
    names = [p.name for p in found if p.name not in BUILD_PARAMETERS]
    if duplicated := sorted({name for name in names if names.count(name) > 1}):
        raise InputError("parameter declared by more than one chapter", field=duplicated[0],
                         fix="give each chapter's parameters their own names")
    if unused := sorted(set(spec) - set(names)):
        raise InputError("rule for a parameter no notebook declares", file=shown(spec_file), field=unused[0],
                         fix="remove it or correct its name")
    return found


def load_spec(path: Path = SPEC_FILE) -> dict[str, dict]:
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise InputError(f"cannot read the parameter rules ({err})", file=shown(path)) from None
    for name, rule in spec.items():
        if not isinstance(rule, dict):
            raise InputError("a rule is a mapping", file=shown(path), field=name, value=rule,
                             fix=f"write e.g. `{name}: {{min: 0, max: 1}}`, or `{name}: {{}}` for any value")
        if unknown := sorted(set(rule) - RULE_KEYS):
            raise InputError("unknown rule", file=shown(path), field=name, value=unknown,
                             fix=f"use only {sorted(RULE_KEYS)}")
    return spec


def choices(parameter: Parameter) -> list:
    rule = parameter.rule
    if "choices" in rule:
        return list(rule["choices"])
    source = rule["choices_from"]
    if "{}" in source:  # one data file per choice, e.g. data/stockpile_design_{}.csv
        prefix, suffix = source.split("{}")
        return sorted(str(path.relative_to(paths.ROOT))[len(prefix):-len(suffix) or None]
                      for path in paths.ROOT.glob(source.replace("{}", "*")))
    file, column = source.rsplit(":", 1)
    header, rows = read_rows(paths.ROOT / file, [column])
    return sorted({cells[header.index(column)] for _, cells in rows})


# ---------------------------------------------------------------- values

def coerce(parameter: Parameter, value: object, origin: str) -> object:
    """A value from YAML or the command line, as the declared type. Command-line text is parsed strictly (a string
    '007' stays a string; '2.5' is not an int); YAML values must already have the type (quote a string of digits)."""
    kind, text = parameter.type, value
    from_text = origin == COMMAND_LINE
    if kind == "str":
        if isinstance(value, str):
            return value
        problem, fix = f"expected str, got {type(value).__name__}", f"quote it: {parameter.name}: '{value}'"
    elif kind == "bool":
        if isinstance(value, bool):
            return value
        if from_text and str(value).strip().lower() in ("true", "false"):
            return str(value).strip().lower() == "true"
        problem, fix = "expected bool", "give true or false"
    elif kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if from_text and re.fullmatch(r"[+-]?\d+", str(value).strip()):
            return int(str(value).strip())
        problem, fix = "expected int", f"give a whole number, like the default {parameter.default}"
    else:  # float
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = float(value)
        elif from_text:
            try:
                text = float(str(value).strip())
            except ValueError:
                text = None
        if isinstance(text, float) and math.isfinite(text):
            return text
        problem, fix = "expected a finite float", f"give a number, like the default {parameter.default}"
    raise InputError(problem, file=origin, field=parameter.name, value=value, fix=fix)


def check(parameter: Parameter, value: object, origin: str) -> None:
    """The declared rule; the error says what is allowed."""
    rule, problem = parameter.rule, None
    if "choices" in rule or "choices_from" in rule:
        allowed = choices(parameter)
        items = [item.strip() for item in value.split(",")] if rule.get("comma_separated") else [value]
        bad = [item for item in items if item not in allowed]
        if bad or not items:
            problem = f"not an allowed value ({bad[0]!r})" if bad else "no value"
        elif len(set(items)) != len(items):
            problem = "a value is named twice"
    if "min" in rule and value < rule["min"] or "max" in rule and value > rule["max"]:
        problem = "out of range"
    if "above" in rule and value <= rule["above"] or "below" in rule and value >= rule["below"]:
        problem = "out of range"
    if "multiple_of" in rule and value % rule["multiple_of"]:
        problem = f"not a multiple of {rule['multiple_of']}"
    if problem:
        raise InputError(problem, file=origin, field=parameter.name, value=value, fix=f"give {parameter.allowed()}")


def load_scenario(name: str, folder: Path = paths.SCENARIOS_DIR) -> dict:
    if not SCENARIO_NAME.match(name):
        raise InputError("not a scenario name", field="--scenario", value=name,
                         fix="use letters, digits, '-', '_' and '.', starting with a letter or digit")
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise InputError("scenario not found", file=shown(path), field="--scenario", value=name,
                         fix=f"choose one of {known} or create {shown(path)}")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise InputError(f"not valid YAML ({' '.join(str(err).split())})", file=shown(path),
                         fix="correct the YAML syntax") from None
    if not isinstance(values, dict):
        raise InputError("a scenario is a flat mapping of parameter: value", file=shown(path), value=values,
                         fix="write one `name: value` per line")
    for key, value in values.items():
        if isinstance(value, (dict, list)) or value is None:
            raise InputError("a scenario value must be a single string, number or true/false", file=shown(path),
                             field=str(key), value=value, fix=f"write `{key}: <value>`")
    return values


class ParameterErrors(Exception):
    """Every bad parameter of one build, each with its own message."""

    def __init__(self, errors: list[InputError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


def resolve(scenario: dict, scenario_file: str, overrides: list[str], declared: list[Parameter]) -> dict:
    """Scenario values, then -p overrides (later ones win), each checked; raises ParameterErrors listing all."""
    by_name = {p.name: p for p in declared if p.name not in BUILD_PARAMETERS}
    pairs = [(str(name), value, scenario_file) for name, value in scenario.items()]
    errors, resolved = [], {}
    for item in overrides:
        if "=" not in item:
            errors.append(InputError("expected name=value", file=COMMAND_LINE, value=item,
                                     fix="write -p name=value"))
            continue
        name, value = item.split("=", 1)
        pairs.append((name.strip(), value, COMMAND_LINE))
    for name, value, origin in pairs:
        try:
            if name in BUILD_PARAMETERS:
                raise InputError("set by the build itself", file=origin, field=name, value=value,
                                 fix="use --scenario NAME; outputs go to build/<scenario>/")
            if name not in by_name:
                close = suggestion(name, list(by_name))
                hint = f"did you mean {close!r}? " if close else ""
                raise InputError("unknown parameter", file=origin, field=name, value=value,
                                 fix=f"{hint}`python build.py --list-params` lists them")
            parameter = by_name[name]
            typed = coerce(parameter, value, origin)
            check(parameter, typed, origin)
            resolved[name] = typed
        except InputError as err:
            errors.append(err)
    if errors:
        raise ParameterErrors(errors)
    return resolved


def suggestion(name: str, known: list[str]) -> str | None:
    """The known name closest to a mistyped one: a close spelling, else one it abbreviates."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if not close:
        scored = [(difflib.SequenceMatcher(None, name, candidate[:len(name) + 2]).ratio(), candidate)
                  for candidate in known]
        best = max(scored, default=(0, None))
        close = [best[1]] if best[0] >= 0.75 else []
    return close[0] if close else None


def effective(declared: list[Parameter], chosen: dict) -> list[dict]:
    """Every user parameter with the value a build uses and whether it differs from the notebook's default."""
    rows = []
    for p in declared:
        if p.name in BUILD_PARAMETERS:
            continue
        value = chosen.get(p.name, p.default)
        rows.append({"notebook": p.notebook, "name": p.name, "type": p.type, "value": value, "default": p.default,
                     "differs": value != p.default, "allowed": p.allowed(), "help": p.help})
    return rows


def shown(path: Path | str) -> str:
    """A path as users should read it: relative to the project when inside it."""
    path = Path(path)
    return str(path.relative_to(paths.ROOT)) if path.is_relative_to(paths.ROOT) else str(path)
