"""A compiled pre-check for request bodies: fastjsonschema in front of jsonschema.

jsonschema walks the schema in Python on every request, which roughly halves the throughput
of the API under load. fastjsonschema compiles a schema to Python code once; that code is
about ten times faster, but it implements draft 2019-09 rather than 2020-12, ignores the
custom formats, and raises on the first problem instead of listing them all.

So the compiled check only answers "valid or not". A body it accepts is accepted; a body it
rejects goes to jsonschema, which builds the exact list of Telnyx errors (and may still find
none: the pre-check is allowed to be stricter, never laxer). To keep that promise the schema
is rewritten before compiling, and a schema using anything this module has not vetted gets no
pre-check at all (jsonschema alone, as before). ``tests/spec/test_precheck.py`` checks
the promise on thousands of bodies.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Protocol

import fastjsonschema

__all__ = ["FastCheck", "Formats", "compile_fast_check"]

FastCheck = Callable[[Any], bool]


class Formats(Protocol):
    """What decides a ``format``: jsonschema's ``FormatChecker`` (or anything alike)."""

    def conforms(self, instance: object, format: str) -> bool: ...


# Keywords whose meaning is the same in draft 2020-12 and in fastjsonschema's implementation.
_CHECKED = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "patternProperties",
        "additionalProperties",
        "required",
        "minProperties",
        "maxProperties",
        "propertyNames",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "format",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "$ref",
        "$defs",
    }
)
# Keywords that only annotate: both validators ignore them.
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)
_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SUBSCHEMAS = ("additionalProperties", "propertyNames", "items", "contains", "not", "if", "then")


class _Unsupported(Exception):
    """The schema uses something the pre-check cannot mirror exactly."""


def _bool_like(value: Any) -> bool:
    # Python's True == 1 and False == 0; jsonschema tells them apart, so an enum or const
    # holding any of them is left to jsonschema rather than trusted to generated code.
    if isinstance(value, bool):
        return True
    return isinstance(value, int | float) and value in (0, 1)


def _rewrite(node: Any, formats: set[str]) -> Any:
    """A copy of ``node`` that fastjsonschema checks at least as strictly as jsonschema."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, dict):
        raise _Unsupported(f"schema node {node!r}")
    out: dict[str, Any] = {}
    extra: list[dict[str, Any]] = []
    for key, value in node.items():
        if key in _ANNOTATIONS or key.startswith("x-"):
            continue
        if key not in _CHECKED:
            raise _Unsupported(key)
        if key in ("enum", "const"):
            values = value if key == "enum" else [value]
            if not isinstance(values, list) or any(_bool_like(v) for v in values):
                raise _Unsupported(f"{key} {value!r}")
            out[key] = copy.deepcopy(value)
        elif key in _SUBSCHEMA_MAPS:
            out[key] = {name: _rewrite(sub, formats) for name, sub in value.items()}
        elif key in _SUBSCHEMA_LISTS:
            out[key] = [_rewrite(sub, formats) for sub in value]
        elif key in _SUBSCHEMAS:
            if key == "items" and isinstance(value, list):
                raise _Unsupported("items as a list")  # prefixItems in 2020-12
            out[key] = _rewrite(value, formats)
        elif key == "format" and value in _RANGES:
            # Our int32/int64 formats constrain numbers; fastjsonschema only calls format
            # functions for strings, so the range goes in as minimum/maximum instead.
            low, high = _RANGES[value]
            extra.append({"minimum": low, "maximum": high})
        elif key == "format":
            formats.add(str(value))
            out[key] = value
        else:
            out[key] = copy.deepcopy(value)
    if "$ref" in out and len(out) > 1:
        # 2020-12 applies a $ref's siblings too; fastjsonschema would ignore them.
        ref = {"$ref": out.pop("$ref")}
        extra.append(ref)
    if extra:
        out.setdefault("allOf", []).extend(extra)
    return out


def compile_fast_check(schema: dict[str, Any], checker: Formats) -> FastCheck | None:
    """A function telling whether a body is valid, or None if this schema gets no pre-check.

    It returns True only for bodies jsonschema (with ``checker``) accepts as well.
    """
    formats: set[str] = set()
    try:
        definition = _rewrite(schema, formats)
    except _Unsupported:
        return None

    def conforms(name: str) -> Callable[[str], bool]:
        return lambda value: checker.conforms(value, name)

    def refuse(uri: str) -> Any:
        raise fastjsonschema.JsonSchemaDefinitionException(f"remote $ref {uri}")

    try:
        validate = fastjsonschema.compile(
            definition,
            handlers={scheme: refuse for scheme in ("http", "https", "file", "ftp")},
            formats={name: conforms(name) for name in formats},
            use_default=False,  # never touch the body: defaults are applied later
            use_formats=True,
            detailed_exceptions=False,
        )
    except fastjsonschema.JsonSchemaDefinitionException:
        return None

    def check(body: Any) -> bool:
        try:
            validate(body)
        except fastjsonschema.JsonSchemaValueException:
            return False
        except Exception:  # anything odd: let jsonschema decide
            return False
        return True

    return check
