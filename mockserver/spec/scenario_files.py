"""Finding and loading scenario YAML files, with errors that name file, line and key."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mockserver.core.scenario import Scenario, scenario_from_mapping
from mockserver.resources import data_dir

__all__ = [
    "MAX_SCENARIO_BYTES",
    "MAX_SCENARIO_DEPTH",
    "MAX_SCENARIO_SECONDS",
    "ScenarioError",
    "bundled_scenario_dir",
    "list_bundled",
    "load_bundled_scenario",
    "load_scenario",
    "load_scenario_text",
    "resolve_scenario_path",
]

# A scenario is a page or two of YAML; the biggest bundled one is ~3 KiB. The bound keeps a
# scenario's parse and validation (linear in its size, aliases being refused) well under a
# second even on a busy machine, and it is the same for files, request bodies and the plugin.
MAX_SCENARIO_BYTES = 256 * 1024
# Nesting deeper than this is never a scenario (the schema's deepest path has 7 levels); it
# also keeps PyYAML's recursive composer and jsonschema far from Python's recursion limit.
MAX_SCENARIO_DEPTH = 32
# Every scripted duration is at most a day (schemas/scenario.json says so for each): Telnyx's
# own limits are hours (a call lasts at most 4 h by default, 12 h at most), and 1e12 seconds
# put timestamps in the year 33715, which broke shutdown.
MAX_SCENARIO_SECONDS = 86_400
# What a bundled name may look like: no separator, no dot but ".yaml", short.
_BUNDLED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}(\.yaml)?")


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


class _ScenarioLoader(yaml.SafeLoader):
    """PyYAML's safe loader, minus aliases, plus YAML 1.2's floats.

    * An alias (``*name``) makes one node count many times: 1,000 rules pointing at one
      1,000-line transcript made a 58 KiB body cost 34 s of validation. A scenario never
      needs one, so it is refused: the parsed size is then bounded by the text's size.
    * YAML 1.1 reads ``1e-05`` and ``1e3`` (no dot) as strings; JSON, Python and YAML 1.2
      read them as numbers, and ``POST /_mock/scenario`` with JSON ``0.00001`` arrives so.
    * Nesting deeper than MAX_SCENARIO_DEPTH is refused while composing, before PyYAML's
      recursive composer (or the validator after it) can hit the recursion limit.
    """

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a scenario", event.start_mark
            )
        depth = getattr(self, "_scenario_depth", 0)
        if depth >= MAX_SCENARIO_DEPTH:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"nested more than {MAX_SCENARIO_DEPTH} levels deep",
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        self._scenario_depth = depth + 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._scenario_depth = depth


_ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The composed tree (for line numbers) and the data, from one parse."""
    loader = _ScenarioLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return root, data


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
    duration = kind == "number" and schema.get("maximum", 0) > 1  # seconds, not a fraction
    if error.validator == "maximum" and isinstance(instance, float) and math.isinf(instance):
        return f"{path} must be a finite number"
    if error.validator == "maximum" and duration:
        hours = " (24 hours)" if schema["maximum"] == MAX_SCENARIO_SECONDS else ""
        return f"{path} must be at most {schema['maximum']:g} seconds{hours}"
    if error.validator in ("type", "minimum", "maximum") and kind in ("number", "integer"):
        article = "an" if kind == "integer" else "a"
        if "minimum" in schema and "maximum" in schema and not duration:
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
    if len(text) > MAX_SCENARIO_BYTES and len(text.encode("utf-8")) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{label}: larger than {MAX_SCENARIO_BYTES} bytes")
    try:
        root, data = _parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{label}{at}: invalid YAML: {problem}") from exc
    except ValueError as exc:
        # int() refuses more than 4,300 decimal digits (sys.set_int_max_str_digits): a
        # number no scenario needs, and not a YAMLError.
        raise ScenarioError(f"{label}: invalid YAML: a number is too long") from exc
    except RecursionError as exc:  # the depth bound above makes this unreachable; belt, braces
        raise ScenarioError(f"{label}: invalid YAML: nested too deeply") from exc
    if data is None:
        data = {}
    validator = Draft202012Validator(schema)
    try:
        found = [
            (list(error.absolute_path), _describe(error)) for error in validator.iter_errors(data)
        ]
        if not found:
            found = list(_value_problems(data, []))
    except (ValueError, OverflowError, RecursionError) as exc:
        # A number too big to print or to compare as a float (0x followed by 5,000 f's).
        raise ScenarioError(f"{label}: a value is out of range") from exc
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
        with path.open("rb") as handle:
            raw = handle.read(MAX_SCENARIO_BYTES + 1)  # never a whole 1 GiB file
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_SCENARIO_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    return load_scenario_text(text, label=path.name, schema=schema)


def load_bundled_scenario(name: str, schema: dict[str, Any]) -> Scenario:
    """A scenario shipped with mockserver, by name only (``POST /_mock/scenario``).

    Anything that is not a bundled name (a path, ``..``, a 5,000-character name) is refused
    before the file system is asked, with the same message whether or not such a file exists.
    """
    bundled = bundled_scenario_dir()
    known = sorted(p.stem for p in bundled.glob("*.yaml"))
    stem = name.removesuffix(".yaml")
    if _BUNDLED_NAME.fullmatch(name) is None or stem not in known:
        shown = name if len(name) <= 40 else name[:37] + "..."
        raise ScenarioError(f"unknown scenario {shown!r} (bundled: {', '.join(known)})")
    path = bundled / f"{stem}.yaml"
    return load_scenario_text(path.read_text(encoding="utf-8"), label=path.name, schema=schema)


def list_bundled(schema: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, description) of every bundled scenario."""
    result = []
    for path in sorted(bundled_scenario_dir().glob("*.yaml")):
        scenario = load_scenario_text(
            path.read_text(encoding="utf-8"), label=path.name, schema=schema
        )
        result.append((path.stem, scenario.description))
    return result
