"""Request-body validation against the JSON Schemas in ``schemas/``, with Telnyx's errors.

Validators are compiled once, when :class:`SchemaRegistry` is built at start-up. Every
violation becomes one Telnyx error item with a ``source.pointer``; all are reported.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockserver import errors
from mockserver.core.formats import is_strict_base64
from mockserver.errors import ErrorItem, TelnyxError
from mockserver.resources import data_dir
from mockserver.spec.precheck import FastCheck, compile_fast_check

if TYPE_CHECKING:  # jsonschema itself is imported on first use: ~30 ms of start-up otherwise
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import ValidationError

__all__ = ["SchemaRegistry", "bundled_schema_dir", "is_strict_base64", "json_pointer"]


def bundled_schema_dir() -> Path:
    """The shipped ``schemas/`` directory (inside the wheel, or the checkout's when editable)."""
    return data_dir("schemas")


def json_pointer(path: Iterable[object]) -> str:
    """RFC 6901 pointer for a jsonschema error path."""
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in path]
    return "/" + "/".join(parts) if parts else ""


INT32_RANGE = (-(2**31), 2**31 - 1)
INT64_RANGE = (-(2**63), 2**63 - 1)


def _in_range(bounds: tuple[int, int]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return True
        return bounds[0] <= value <= bounds[1]

    return check


def _format_checker() -> FormatChecker:
    from jsonschema import FormatChecker

    checker = FormatChecker()
    checker.checks("base64")(is_strict_base64)
    checker.checks("int32")(_in_range(INT32_RANGE))
    checker.checks("int64")(_in_range(INT64_RANGE))
    return checker


def _name(path: Iterable[object]) -> str:
    parts = [str(p) for p in path]
    return parts[-1] if parts else "body"


def _range_text(schema: dict[str, Any]) -> str:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"{low} or more"
    return f"{high} or less"


_JSON_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "object": "object",
    "array": "array",
    "null": "null",
}


def _error_item(error: ValidationError, root_schema: dict[str, Any]) -> Iterator[ErrorItem]:
    path = list(error.absolute_path)
    keyword = error.validator
    value: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        for missing in value:
            if missing not in present:
                yield errors.missing_parameter_item(missing, json_pointer([*path, missing]))
        return
    pointer = json_pointer(path)
    name = _name(path)
    # A property may name Telnyx's specific error for any violation inside it.
    top = root_schema.get("properties", {}).get(str(path[0]), {}) if path else {}
    override = schema.get("x-telnyx-error") or top.get("x-telnyx-error")
    if override:
        yield ErrorItem(override["code"], override["title"], override.get("detail"), pointer)
        return
    if keyword == "enum":
        allowed = ", ".join(sorted(str(v) for v in value))
        yield errors.invalid_enum_item(allowed, pointer)
    elif keyword == "const":
        yield errors.invalid_enum_item(str(error.validator_value), pointer)
    elif keyword == "type":
        names = value if isinstance(value, list) else [value]
        wanted = " or ".join(f"'{_JSON_TYPES.get(str(n), n)}'" for n in names)
        yield errors.invalid_type_item(f"The '{name}' parameter must be of type {wanted}.", pointer)
    elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        yield errors.out_of_range_item(
            f"The value is outside of allowed range {_range_text(schema)}", pointer
        )
    elif keyword in ("minLength", "maxLength"):
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        yield errors.out_of_range_item(
            f"The '{name}' parameter must be {bound} characters long.", pointer
        )
    elif keyword in ("minItems", "maxItems"):
        yield errors.out_of_range_item(
            f"The '{name}' parameter has the wrong number of items: {error.message}.", pointer
        )
    elif keyword == "format" and error.validator_value == "base64":
        yield errors.invalid_parameter_item(
            f"The '{name}' parameter must be a valid Base-64 encoded string.", pointer
        )
    elif keyword == "format" and error.validator_value in ("int32", "int64"):
        low, high = INT32_RANGE if error.validator_value == "int32" else INT64_RANGE
        yield errors.out_of_range_item(
            f"The value is outside of allowed range {low} to {high}", pointer
        )
    elif keyword == "format":
        yield errors.invalid_parameter_item(
            f"The '{name}' parameter must be a valid {error.validator_value}.", pointer
        )
    else:
        yield errors.invalid_parameter_item(f"The '{name}' parameter is invalid.", pointer)


def _blank_required(schema: dict[str, Any], body: Any) -> list[ErrorItem]:
    if not isinstance(body, dict):
        return []
    return [
        errors.missing_parameter_item(field, json_pointer([field]))
        for field in schema.get("required", [])
        if field in body and (body[field] is None or body[field] == "")
    ]


# Which violation names a parameter's problem when it breaks several keywords at once.
_KEYWORD_RANK = {"required": 0, "type": 1, "format": 3}


def _keyword_rank(keyword: object) -> int:
    return _KEYWORD_RANK.get(str(keyword), 2)


def _is_atomic(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _never(body: Any) -> bool:
    return False  # no pre-check for this schema: jsonschema decides


class SchemaRegistry:
    """Compiled validators for every ``schemas/*.json``, keyed by file stem."""

    def __init__(self, schema_dir: Path | None = None) -> None:
        directory = schema_dir or bundled_schema_dir()
        self.schemas: dict[str, dict[str, Any]] = {}
        # Validators, format checker and compiled pre-checks are built on first use: the
        # jsonschema import and compiling all of them would cost start-up time.
        self._validators: dict[str, Draft202012Validator] = {}
        self._fast: dict[str, FastCheck | None] = {}
        self._defaults: dict[str, list[tuple[str, Any, bool]]] = {}
        self._format_checker: FormatChecker | None = None
        for path in sorted(directory.glob("*.json")):
            # Not check_schema() here: it costs ~0.5 s of start-up; tests/spec/test_schema_files.py
            # checks every file against the metaschema instead.
            self.schemas[path.stem] = json.loads(path.read_text(encoding="utf-8"))

    @property
    def _checker(self) -> FormatChecker:
        if self._format_checker is None:
            self._format_checker = _format_checker()
        return self._format_checker

    def _validator(self, name: str) -> Draft202012Validator:
        validator = self._validators.get(name)
        if validator is None:
            from jsonschema import Draft202012Validator

            validator = Draft202012Validator(self.schemas[name], format_checker=self._checker)
            self._validators[name] = validator
        return validator

    def __contains__(self, name: str) -> bool:
        return name in self.schemas

    def errors(self, name: str, body: Any) -> list[ErrorItem]:
        """Every invalid parameter of schema ``name`` as Telnyx error items (see ordering below).

        One item per parameter (every Telnyx example names each pointer once): a wrong type
        hides the enum/range checks it makes meaningless, and a schema range (0 to 14400)
        beats the int32 format range.
        """
        schema = self.schemas[name]
        # Telnyx: "The 'to' parameter is required and cannot be blank." A required field sent
        # as "" or null is missing, not merely of the wrong type or value.
        items = _blank_required(schema, body)
        if not items and self._fast_check(name)(body):
            return []  # the compiled check passes only bodies jsonschema passes too
        seen: set[str | None] = {item.pointer for item in items}
        found = self._validator(name).iter_errors(body)
        ordered = sorted(
            found,
            key=lambda e: ([str(p) for p in e.absolute_path], _keyword_rank(e.validator)),
        )
        for error in ordered:
            for item in _error_item(error, schema):
                if item.pointer not in seen:
                    seen.add(item.pointer)
                    items.append(item)
        # Missing and blank required fields first, in the schema's order; then the rest.
        required = [json_pointer([field]) for field in schema.get("required", [])]

        def missing_first(item: ErrorItem) -> int:
            if errors.is_missing_parameter(item) and item.pointer in required:
                return required.index(item.pointer)
            return len(required)

        return sorted(items, key=missing_first)

    def _fast_check(self, name: str) -> FastCheck:
        if name not in self._fast:
            self._fast[name] = compile_fast_check(self.schemas[name], self._checker)
        return self._fast[name] or _never

    def validate(self, name: str, body: Any) -> dict[str, Any]:
        """Return ``body`` with top-level defaults applied, or raise a 422 listing every error."""
        items = self.errors(name, body)
        if items:
            raise TelnyxError(422, items)
        assert isinstance(body, dict)
        return self.apply_defaults(name, body)

    def apply_defaults(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        defaults = self._defaults.get(name)
        if defaults is None:
            defaults = self._defaults[name] = [
                (key, prop["default"], _is_atomic(prop["default"]))
                for key, prop in self.schemas[name].get("properties", {}).items()
                if isinstance(prop, dict) and "default" in prop
            ]
        result = dict(body)
        for key, default, atomic in defaults:
            if key not in result:
                # Strings, numbers, booleans and None are shared safely; the rest is copied.
                result[key] = default if atomic else copy.deepcopy(default)
        return result
