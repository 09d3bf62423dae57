"""Finding and loading scenario YAML files, with errors that name file, line and key."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mockserver.core.scenario import Scenario, scenario_from_mapping
from mockserver.resources import data_dir

__all__ = [
    "ScenarioError",
    "bundled_scenario_dir",
    "list_bundled",
    "load_scenario",
    "load_scenario_text",
    "resolve_scenario_path",
]


class ScenarioError(Exception):
    """A scenario that cannot be used; the message is one line fit for a terminal."""


def bundled_scenario_dir() -> Path:
    """The shipped ``scenarios/`` directory (inside the wheel, or the checkout's when editable)."""
    return data_dir("scenarios")


def resolve_scenario_path(name_or_path: str) -> Path:
    """A bundled name (``dual_channel`` or ``dual_channel.yaml``) or a path to a file."""
    candidate = Path(name_or_path)
    if candidate.is_file():
        return candidate
    bundled = bundled_scenario_dir()
    for name in (name_or_path, f"{name_or_path}.yaml"):
        path = bundled / name
        if path.is_file() and "/" not in name_or_path:
            return path
    known = ", ".join(p.stem for p in sorted(bundled.glob("*.yaml")))
    if "/" in name_or_path or "\\" in name_or_path or candidate.suffix in (".yaml", ".yml"):
        # Meant as a file: say so, rather than "unknown scenario".
        where = "is a directory" if candidate.is_dir() else "not found"
        raise ScenarioError(
            f"scenario file {name_or_path}: {where} (in {Path.cwd()}); bundled scenarios: {known}"
        )
    raise ScenarioError(f"unknown scenario '{name_or_path}' (bundled: {known})")


def _line_of(node: yaml.Node | None, path: list[Any]) -> int | None:
    """1-based line of the YAML node at ``path`` (or of its nearest parent)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            node = match
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _describe(error: ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path) or "scenario"
    value: Any = error.validator_value
    instance: Any = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if schema.get("x-error-message"):
        return f"{path} {schema['x-error-message']}"
    if error.validator in ("type", "minimum", "maximum") and kind in ("number", "integer"):
        article = "an" if kind == "integer" else "a"
        if "minimum" in schema and "maximum" in schema:
            bound = f" between {schema['minimum']:g} and {schema['maximum']:g}"
        else:
            bound = f" ≥ {schema['minimum']:g}" if "minimum" in schema else ""
        return f"{path} must be {article} {kind}{bound}"
    if error.validator == "minProperties":
        return f"{path} must name at least one of: {', '.join(sorted(schema['properties']))}"
    if error.validator == "type":
        return f"{path} must be of type {error.validator_value}"
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = (
            sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        )
        where = f"{path}." if error.absolute_path else ""
        return (
            f"{where}{extra[0] if extra else '?'} is not a known key (known: {', '.join(allowed)})"
        )
    if error.validator == "required":
        missing = [k for k in value if k not in instance]
        return f"{path}.{missing[0]} is required"
    if error.validator == "minLength":
        return f"{path} must not be empty"
    if error.validator == "enum":
        return f"{path} must be one of: {', '.join(str(v) for v in value)}"
    return f"{path}: {error.message}"


def _value_problems(data: Any, path: list[Any]) -> Iterator[tuple[list[Any], str]]:
    """What the schema cannot say: numbers must be finite, and a speech span must not end
    before it starts. Runs only on data the schema accepted, so the shapes are known."""
    dotted = ".".join(str(p) for p in path)
    if isinstance(data, float) and not math.isfinite(data):
        yield path, f"{dotted} must be a finite number"
    elif isinstance(data, dict):
        start, end = data.get("start"), data.get("end")
        if (
            "audio" in path  # top-level audio, or audio inside a rule's set
            and isinstance(start, int | float)
            and isinstance(end, int | float)
            and math.isfinite(start)
            and math.isfinite(end)
            and end < start
        ):
            yield [*path, "end"], f"{dotted}.end must not be before {dotted}.start"
        for key, value in data.items():
            yield from _value_problems(value, [*path, key])
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _value_problems(value, [*path, index])


def load_scenario_text(
    text: str, *, label: str, schema: dict[str, Any], fallback_name: str | None = None
) -> Scenario:
    """Parse and validate scenario YAML; ``label`` names it in errors (a file name).

    Without a ``name:`` key the scenario is called ``fallback_name`` (default: the file stem).
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{label}{at}: invalid YAML: {problem}") from exc
    if data is None:
        data = {}
    validator = Draft202012Validator(schema)
    found = [(list(error.absolute_path), _describe(error)) for error in validator.iter_errors(data)]
    if not found:
        found = list(_value_problems(data, []))
    if found:
        found.sort(key=lambda item: _line_of(root, item[0]) or 0)
        problems = []
        for path, message in found:
            line_number = _line_of(root, path)
            where = f"{label}:{line_number}" if line_number is not None else label
            problems.append(f"{where}: {message}")
        if len(problems) == 1:
            raise ScenarioError(problems[0])
        # Every problem, one per line: fixing them one start at a time wastes the user's time.
        raise ScenarioError(
            f"{label}: {len(problems)} problems:\n" + "\n".join(f"  {p}" for p in problems)
        )
    return scenario_from_mapping(data, fallback_name=fallback_name or Path(label).stem)


def load_scenario(name_or_path: str, schema: dict[str, Any]) -> Scenario:
    path = resolve_scenario_path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from exc
    return load_scenario_text(text, label=path.name, schema=schema)


def list_bundled(schema: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, description) of every bundled scenario."""
    result = []
    for path in sorted(bundled_scenario_dir().glob("*.yaml")):
        scenario = load_scenario_text(
            path.read_text(encoding="utf-8"), label=path.name, schema=schema
        )
        result.append((path.stem, scenario.description))
    return result
