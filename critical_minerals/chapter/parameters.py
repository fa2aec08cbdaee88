"""Chapter parameters: declared by the notebooks, constrained by notebooks/parameters.yaml, set by scenarios and -p.

Every value is checked here, before any kernel starts: the name must exist, the value must have the declared type
(from the annotation in the notebook's parameters cell) and satisfy the declared rule. Each bad value gets its own
message naming where it came from, the parameter, the value and the fix.
"""

from __future__ import annotations

import ast
import difflib
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..core import paths
from ..core.errors import InputError
from ..core.paths import project_path
from ..sources.handwritten_tables import read_rows

SPEC_FILE = paths.NOTEBOOKS_DIR / "parameters.yaml"
BUILD_PARAMETERS = ("scenario", "output_dir")  # set by the build for every chapter, never by users
TYPES = ("str", "int", "float", "bool")
RULE_KEYS = {
    "choices",
    "choices_from",
    "comma_separated",
    "min",
    "max",
    "above",
    "below",
    "multiple_of",
    "unit",
    "identity",
    "aspect",
}
ASPECTS = ("data", "law")  # what a parameter picks, for the comparison: a data vintage or the law applied
SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
COMMAND_LINE = "command line (-p)"
RUN_ALONE = "parameters of the chapter run alone"
INJECTED_TAG = "injected-parameters"  # papermill's tag on the cell it adds with the run's parameters
NUMBER_CHARACTERS = 40  # longer number text is refused before it is converted (thousands of digits are slow)
SCENARIO_FILE_BYTES = 100_000  # a scenario file is a few lines; a bigger one is refused before it is parsed
SHOWN_CHARACTERS = 60  # a value longer than this is shown cut in messages
INT_TEXT = re.compile(r"[+-]?[0-9]+")
FLOAT_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
TRUE, FALSE = ("true", "yes"), ("false", "no")  # the same words in scenario files and on the command line


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
        bounds = [
            f">= {rule['min']}" if "min" in rule else "",
            f"> {rule['above']}" if "above" in rule else "",
            f"<= {rule['max']}" if "max" in rule else "",
            f"< {rule['below']}" if "below" in rule else "",
        ]
        if any(bounds):
            parts.append(" and ".join(bound for bound in bounds if bound))
        if "multiple_of" in rule:
            parts.append(f"a multiple of {rule['multiple_of']}")
        if self.type == "bool":
            parts.append("true or false")
        return "; ".join(parts) or "any"

    @property
    def unit(self) -> str:
        return self.rule.get("unit", "")


def load_spec(path: Path = SPEC_FILE) -> dict[str, dict]:
    """The rules file, read strictly: every way it can be wrong is one message naming the file, the rule and the fix
    (a traceback here would come before any check, with nothing to say which line to correct)."""
    where, fix_text = project_path(path), "save the file as UTF-8 (in most editors: Save As, encoding UTF-8)"
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as err:
        raise InputError(
            f"cannot read the parameter rules ({err.strerror or err})",
            file=where,
            fix="restore the file (git checkout -- notebooks/parameters.yaml)",
        ) from None
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (line {line}, byte 0x{raw[err.start]:02x})", file=where, fix=fix_text
        ) from None
    try:
        spec = yaml.safe_load(text)
    except RecursionError:
        raise InputError("nested too deeply", file=where, fix="write one `name: {rule: value}` per line") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise InputError(
            f"not valid YAML ({at}{getattr(err, 'problem', None) or cut(' '.join(str(err).split()))})",
            file=where,
            fix="correct the YAML syntax: one `name: {min: 0, max: 1}` per line",
        ) from None
    spec = {} if spec is None else spec
    if not isinstance(spec, dict):
        raise InputError(
            "the rules are a mapping of parameter: rule",
            file=where,
            value=cut(spec),
            fix="write one `name: {min: 0, max: 1}` per line",
        )
    for name, rule in spec.items():
        if not isinstance(rule, dict):
            raise InputError(
                "a rule is a mapping",
                file=where,
                field=str(name),
                value=cut(rule),
                fix=f"write e.g. `{name}: {{min: 0, max: 1}}`, or `{name}: {{}}` for any value",
            )
        if unknown := sorted(map(str, set(rule) - RULE_KEYS)):
            raise InputError(
                "unknown rule", file=where, field=str(name), value=unknown, fix=f"use only {sorted(RULE_KEYS)}"
            )
        for key, value in rule.items():
            if problem := malformed(key, value):
                raise InputError(
                    f"{key}: {problem[0]}",
                    file=where,
                    field=str(name),
                    value=cut(value),
                    fix=f"write e.g. `{name}: {{{key}: {problem[1]}}}`",
                )
    return spec


def malformed(key: str, value: object) -> tuple[str, str] | None:
    """What is wrong with one rule's value, and an example of a right one; None when it is right."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if key in ("min", "max", "above", "below") and not number:
        return "a bound is a number", "0"
    if key == "multiple_of" and not (number and value > 0):
        return "a positive number", "5"
    if key == "choices" and not (
        isinstance(value, list) and value and all(isinstance(item, (str, int, float)) for item in value)
    ):
        return "a list of allowed values", "[a, b]"
    if key == "choices_from" and not (isinstance(value, str) and (":" in value or "{}" in value)):
        return "a data file and its column", '"data/countries.csv:country"'
    if key in ("comma_separated", "identity") and not isinstance(value, bool):
        return "true or false", "true"
    if key == "aspect" and value not in ASPECTS:
        return f"one of {', '.join(ASPECTS)}", ASPECTS[0]
    if key == "unit" and not isinstance(value, str):
        return "a word or phrase", '"fraction"'
    return None


def choices(parameter: Parameter) -> list:
    rule = parameter.rule
    if "choices" in rule:
        return list(rule["choices"])
    source = rule["choices_from"]
    if "{}" in source:  # one data file per choice, e.g. data/stockpile_design_{}.csv
        prefix, suffix = source.split("{}")
        return sorted(
            str(path.relative_to(paths.ROOT))[len(prefix) : -len(suffix) or None]
            for path in paths.ROOT.glob(source.replace("{}", "*"))
        )
    file, column = source.rsplit(":", 1)
    header, rows = read_rows(paths.ROOT / file, [column])
    return sorted({cells[header.index(column)] for _, cells in rows})


# ---------------------------------------------------------------- values


def coerce(parameter: Parameter, value: object, origin: str) -> object:
    """A value from a scenario file or the command line, as the declared type. Both give text and the text is read
    by the same rules, so a scenario file and -p accept and refuse the same values: '007' for a string stays a
    string, '6' (quoted or not) is 6 for an int, '2.5' is not an int, true/false/yes/no are the booleans. Numbers
    are ASCII digits only — no '_', no thousands separators, no other scripts, no percent sign, a bounded length."""
    text = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else repr(value)
    text = text.strip()
    kind, name = parameter.type, parameter.name
    if kind == "str":
        return text
    if kind == "bool":
        if text.lower() in TRUE + FALSE:
            return text.lower() in TRUE
        raise InputError(
            "expected true or false",
            file=origin,
            field=name,
            value=cut(value),
            fix=f"write {name}=true or {name}=false",
        )
    problem, fix = number_slip(parameter, text)
    if not problem:
        if INT_TEXT.fullmatch(text):
            return int(text) if kind == "int" else float(text)
        if kind == "int" and FLOAT_TEXT.fullmatch(text):
            problem, fix = "expected a whole number", f"write a whole number, like the default {parameter.default}"
        elif kind == "float" and FLOAT_TEXT.fullmatch(text):
            number = float(text)
            if math.isfinite(number):
                return number
            problem, fix = "number too large", "write a number within the allowed range: " + parameter.allowed()
        else:
            kind_word = "a whole number" if kind == "int" else "a number"
            problem, fix = f"expected {kind_word}", f"write {kind_word}, like the default {parameter.default}"
    raise InputError(problem, file=origin, field=name, value=cut(value), fix=fix)


def number_slip(parameter: Parameter, text: str) -> tuple[str, str]:
    """A common way of writing a number that the build does not read, and the exact fix; blanks if none."""
    name, unit = parameter.name, parameter.unit
    if len(text) > NUMBER_CHARACTERS:
        return (
            f"too long for a number ({len(text)} characters)",
            f"write at most {NUMBER_CHARACTERS} characters, within {parameter.allowed()}",
        )
    if any(char.isdigit() and not char.isascii() for char in text):
        ascii_text = "".join(str(unicodedata.digit(char, "?")) if char.isdigit() else char for char in text)
        return "digits other than 0-9", f"write it with the digits 0-9: {name}={ascii_text}"
    if text.lower() in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity"):
        return "not a finite number", f"write a number within {parameter.allowed()}"
    if text.endswith("%"):
        number = text[:-1].strip()
        if FLOAT_TEXT.fullmatch(number):
            if unit.startswith("percentage points"):
                return "a percent sign", f"write {name}={number} ({name} is in percentage points)"
            if unit.startswith("fraction"):
                return "a percent sign", f"write {float(number) / 100:g} for {number} % ({name} is a fraction)"
        return "a percent sign", f"write the number without '%' ({name}: {unit or parameter.type})"
    if "_" in text and FLOAT_TEXT.fullmatch(text.replace("_", "")):
        return "an underscore in a number", f"write {text.replace('_', '')} (no '_' between digits)"
    if re.fullmatch(r"[+-]?[0-9]+,[0-9]+", text):
        if parameter.type == "int" and re.fullmatch(r"[+-]?[0-9]{1,3}(,[0-9]{3})+", text):
            return "a thousands separator", f"write {text.replace(',', '')} (no separators)"
        return "a decimal comma", f"use a decimal point: write {name}={text.replace(',', '.')}"
    return "", ""


def cut(value: object) -> object:
    """A value as messages show it: long ones cut, so an error never prints a huge value in full."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= SHOWN_CHARACTERS:
        return value
    return f"{text[: SHOWN_CHARACTERS // 2]}…{text[-10:]} ({len(text)} characters)"


def check(parameter: Parameter, value: object, origin: str) -> None:
    """The declared rule; the error says what is allowed."""
    rule, problem = parameter.rule, None
    if "choices" in rule or "choices_from" in rule:
        allowed = choices(parameter)
        items = [item.strip() for item in value.split(",")] if rule.get("comma_separated") else [value]
        bad = [item for item in items if item not in allowed]
        if bad or not items:
            problem = f"not an allowed value ({cut(bad[0])!r})" if bad else "no value"
            close = bad and isinstance(bad[0], str) and suggestion(bad[0], [str(choice) for choice in allowed])
            if close:
                problem += f"; did you mean {close!r}?"
        elif len(set(items)) != len(items):
            problem = "a value is named twice"
    if "min" in rule and value < rule["min"] or "max" in rule and value > rule["max"]:
        problem = "out of range"
    if "above" in rule and value <= rule["above"] or "below" in rule and value >= rule["below"]:
        problem = "out of range"
    if "multiple_of" in rule and value % rule["multiple_of"]:
        problem = f"not a multiple of {rule['multiple_of']}"
    if problem:
        unit = f" ({parameter.unit})" if parameter.unit and parameter.unit != "name" else ""
        raise InputError(
            problem, file=origin, field=parameter.name, value=cut(value), fix=f"give {parameter.allowed()}{unit}"
        )


def load_scenario(name: str, folder: Path = paths.SCENARIOS_DIR) -> dict:
    """A scenario file's `parameter: value` pairs, each value as text (read like -p values by `coerce`)."""
    if not SCENARIO_NAME.match(name):
        raise InputError(
            "not a scenario name",
            field="--scenario",
            value=cut(name),
            fix="use letters, digits, '-', '_' and '.', starting with a letter or digit",
        )
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        close = suggestion(name, known)
        hint = f"did you mean {close!r}? " if close else ""
        raise InputError(
            "scenario not found",
            file=project_path(path),
            field="--scenario",
            value=name,
            fix=f"{hint}choose one of {known} or create {project_path(path)}",
        )
    return read_scenario_file(path)


def read_scenario_file(path: Path) -> dict:
    """Strict reading: UTF-8, bounded size, no aliases (refused before anything is expanded or shown), no key
    twice, a flat mapping of single values."""
    if path.stat().st_size > SCENARIO_FILE_BYTES:
        raise InputError(
            f"file too large for a scenario ({path.stat().st_size} bytes)",
            file=project_path(path),
            fix=f"a scenario is a few `name: value` lines (at most {SCENARIO_FILE_BYTES} bytes)",
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"not UTF-8 text (byte {err.start})",
            file=project_path(path),
            fix="save the file as UTF-8 (in most editors: Save As, encoding UTF-8)",
        ) from None
    try:
        values = yaml.load(text, Loader=ScenarioLoader)  # noqa: S506 — a SafeLoader that keeps scalars as text
    except ScenarioSyntax as err:
        raise InputError(err.problem, file=project_path(path), field=err.field, fix=err.fix) from None
    except RecursionError:
        raise InputError("nested too deeply", file=project_path(path), fix="write one `name: value` per line") from None
    except yaml.YAMLError as err:
        raise InputError(
            f"not valid YAML ({cut(' '.join(str(err).split()))})",
            file=project_path(path),
            fix="correct the YAML syntax: one `name: value` per line",
        ) from None
    values = {} if values is None else values
    if not isinstance(values, dict):
        raise InputError(
            "a scenario is a flat mapping of parameter: value",
            file=project_path(path),
            value=cut(values),
            fix="write one `name: value` per line",
        )
    for key, value in values.items():
        if isinstance(value, dict) and value and (paths.NOTEBOOKS_DIR / f"{key}.ipynb").is_file():
            inner, inner_value = next(iter(value.items()))
            raise InputError(
                f"{str(key)!r} is not a parameter: scenario files are flat",
                file=project_path(path),
                field=str(key),
                fix=f"write `{inner}: {cut(inner_value)}` at the top level, without `{key}:` above it",
            )
        if isinstance(value, (dict, list)) or value is None:
            raise InputError(
                "a scenario value must be a single string, number or true/false",
                file=project_path(path),
                field=str(key),
                value=cut(value),
                fix=f"write `{key}: <value>`",
            )
    return values


class ScenarioSyntax(Exception):
    def __init__(self, problem: str, field: str | None, fix: str):
        self.problem, self.field, self.fix = problem, field, fix
        super().__init__(problem)


class ScenarioLoader(yaml.SafeLoader):
    """YAML for scenario files: every scalar is text (so YAML's own typing — `yes`, `6`, `'6'`, `1_000` — never
    differs from -p's), aliases are refused when met (an alias bomb fails before anything is expanded), a key
    given twice is refused, and a blank or `null` value is None."""

    yaml_implicit_resolvers = {}  # no implicit typing: plain scalars are strings

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ScenarioSyntax(
                f"YAML alias *{cut(event.anchor)} (line {event.start_mark.line + 1})",
                None,
                "write each value out; scenario files take no anchors (&) or aliases (*)",
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise ScenarioSyntax(f"a key that is not a name ({cut(key)!r})", None, "write `name: value` lines")
            if key in seen:
                raise ScenarioSyntax(
                    f"{cut(key)!r} is given twice (lines {seen[key]} and {key_node.start_mark.line + 1})",
                    str(cut(key)),
                    "keep one line for it: the build does not pick one silently",
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=True)

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        if node.style is None and value in ("", "~", "null", "Null", "NULL"):
            return None
        return value


ScenarioLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG, ScenarioLoader.construct_scalar)


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
            errors.append(InputError("expected name=value", file=COMMAND_LINE, value=item, fix="write -p name=value"))
            continue
        name, value = item.split("=", 1)
        if not name.strip():
            errors.append(
                InputError(
                    "no parameter name",
                    file=COMMAND_LINE,
                    value=cut(item),
                    fix="write -p name=value; `python build.py --list-params` lists the names",
                )
            )
            continue
        pairs.append((name.strip(), value, COMMAND_LINE))
    for name, value, origin in pairs:
        try:
            if name in BUILD_PARAMETERS:
                raise InputError(
                    "set by the build itself",
                    file=origin,
                    field=name,
                    value=cut(value),
                    fix="use --scenario NAME (or --name NAME for a variant); outputs go to "
                    "build/<name>/, and a chapter run alone writes to work/<scenario>/",
                )
            if name not in by_name:
                close = suggestion(name, list(by_name))
                hint = f"did you mean {close!r}? " if close else ""
                raise InputError(
                    "unknown parameter",
                    file=origin,
                    field=str(cut(name)),
                    value=cut(value),
                    fix=f"{hint}`python build.py --list-params` lists them",
                )
            parameter = by_name[name]
            typed = coerce(parameter, value, origin)
            check(parameter, typed, origin)
            resolved[name] = typed
        except InputError as err:
            errors.append(err)
    if errors:
        raise ParameterErrors(errors)
    return resolved


def check_run_alone(stem: str, values: dict) -> None:
    """A chapter's kernel checks its parameters by the rules a build applies — the same reading of values, the same
    rules file, the same messages — so a chapter run on its own (papermill, JupyterLab's "Run all") refuses what the
    build refuses. `values` holds the notebook's variables (its globals). The parameters cell is read with `ast`
    (annotated names and literal defaults, as papermill reads them) to keep papermill out of the kernel."""
    notebook = json.loads((paths.NOTEBOOKS_DIR / f"{stem}.ipynb").read_text(encoding="utf-8"))
    cell = next(cell for cell in notebook["cells"] if "parameters" in cell.get("metadata", {}).get("tags", []))
    spec, errors = load_spec(), []
    for node in ast.parse("".join(cell["source"])).body:
        if not isinstance(node, ast.AnnAssign) or node.target.id in BUILD_PARAMETERS:
            continue
        name = node.target.id
        parameter = Parameter(stem, name, node.annotation.id, ast.literal_eval(node.value), "", spec.get(name, {}))
        try:
            check(parameter, coerce(parameter, values[name], RUN_ALONE), RUN_ALONE)
        except InputError as err:
            errors.append(err)
    if errors:
        raise ParameterErrors(errors)


def with_scenario(notebook: dict, scenario: str | None) -> dict:
    """An executed chapter whose injected parameters name `scenario`, or no scenario (None): a cached run serves
    every scenario with these parameters, and the build names the scenario when it publishes. The build's own
    output folder is never kept: it names a staging folder that is gone once the run is published."""
    for cell in notebook["cells"]:
        if INJECTED_TAG in cell.get("metadata", {}).get("tags", []):
            lines = "".join(cell["source"]).splitlines(keepends=True)
            kept = [line for line in lines if not line.startswith(tuple(f"{name} = " for name in BUILD_PARAMETERS))]
            named = [f"scenario = {json.dumps(scenario)}\n"] if scenario is not None else []
            cell["source"] = kept[:1] + named + kept[1:]  # after papermill's "# Parameters" line
    return notebook


def suggestion(name: str, known: list[str]) -> str | None:
    """The known name closest to a mistyped one: a close spelling, else one it abbreviates."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if not close:
        scored = [
            (difflib.SequenceMatcher(None, name, candidate[: len(name) + 2]).ratio(), candidate) for candidate in known
        ]
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
        rows.append(
            {
                "notebook": p.notebook,
                "name": p.name,
                "type": p.type,
                "value": value,
                "default": p.default,
                "differs": value != p.default,
                "allowed": p.allowed(),
                "help": p.help,
            }
        )
    return rows
