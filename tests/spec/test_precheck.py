"""The compiled pre-check never accepts a body that jsonschema rejects.

Bodies are built from each schema's own values (enums, defaults, bounds and one past them)
and a pool of hostile ones (wrong types, int32 edges, blank strings, bools where numbers go),
seeded so a failure reproduces. Most bodies are valid, many are not.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mockserver.spec.precheck import compile_fast_check
from mockserver.spec.validation import SchemaRegistry, _format_checker

REGISTRY = SchemaRegistry()
BODIES_PER_SCHEMA = 400

HOSTILE: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    0.5,
    2.5,
    2**31 - 1,
    2**31,
    -(2**31) - 1,
    2**63,
    "",
    " ",
    "a",
    "QQ==",
    "QQ=",
    "Q",
    "+13125550100",
    "+1312555010",
    "13125550100",
    "sip:alice@example.com",
    "http://127.0.0.1:5000/hooks",
    "not a url",
    "2dc6fc34-f9e0-11ea-b68e-02420a0f7768",
    "2dc6fc34f9e011eab68e02420a0f7768",
    "x" * 41,
    "wav",
    "mp3",
    "single",
    "dual",
    "en-US",
    [],
    ["+13125550100"],
    [1],
    [None],
    {},
    {"a": 1},
    {"type": "text"},
]


def schema_values(schema: Any) -> list[Any]:
    """Values a (sub)schema itself suggests: its enum, const, default, examples and bounds."""
    if not isinstance(schema, dict):
        return []
    values: list[Any] = list(schema.get("enum", []))
    for key in ("const", "default"):
        if key in schema:
            values.append(schema[key])
    values += list(schema.get("examples", []))
    for key in ("minimum", "maximum"):
        if isinstance(schema.get(key), int | float):
            values += [schema[key], schema[key] - 1, schema[key] + 1]
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(key, []):
            values += schema_values(sub)
    return values


def candidates(schema: dict[str, Any], name: str, root: dict[str, Any]) -> list[Any]:
    sub = schema
    if "$ref" in sub:
        sub = root["$defs"][sub["$ref"].rsplit("/", 1)[-1]]
    values = schema_values(sub) + HOSTILE
    if isinstance(sub, dict) and isinstance(sub.get("properties"), dict):
        # A nested object: one built of its own suggested values.
        values.append(
            {key: (schema_values(prop) or ["x"])[0] for key, prop in sub["properties"].items()}
        )
    return values


def bodies(name: str) -> list[Any]:
    schema = REGISTRY.schemas[name]
    full = Draft202012Validator(schema, format_checker=_format_checker())
    properties: dict[str, Any] = schema.get("properties", {})
    pools = {prop: candidates(sub, prop, schema) for prop, sub in properties.items()}
    # Values that are fine on their own for a property (so many bodies come out valid).
    good = {
        prop: [
            value
            for value in pool
            if not any(list(e.absolute_path)[:1] == [prop] for e in full.iter_errors({prop: value}))
        ]
        for prop, pool in pools.items()
    }
    rng = random.Random(f"fast-validation-{name}")
    out: list[Any] = [{}, [], None, "x", 1]
    required = schema.get("required", [])
    for _ in range(BODIES_PER_SCHEMA):
        body: dict[str, Any] = {}
        for prop in required:
            if good.get(prop) and rng.random() < 0.9:
                body[prop] = rng.choice(good[prop])
        for prop in rng.sample(sorted(properties), k=min(len(properties), rng.randint(0, 6))):
            source = good[prop] if good[prop] and rng.random() < 0.75 else pools[prop]
            body[prop] = rng.choice(source)
        if rng.random() < 0.05:
            body["unknown_field"] = rng.choice(HOSTILE)
        out.append(body)
    return out


@pytest.mark.parametrize("name", sorted(REGISTRY.schemas))
def test_pre_check_never_accepts_what_jsonschema_rejects(name: str) -> None:
    checker = _format_checker()
    fast = compile_fast_check(REGISTRY.schemas[name], checker)
    assert fast is not None, f"{name} lost its pre-check: see mockserver/fast_validation.py"
    full = Draft202012Validator(REGISTRY.schemas[name], format_checker=checker)
    accepted = rejected = 0
    for body in bodies(name):
        found = [e.message for e in full.iter_errors(body)]
        if fast(body):
            assert not found, (body, found)
            accepted += 1
        else:
            rejected += 1
    # Not vacuous: plenty of bodies of both kinds went through.
    assert accepted >= 20 and rejected >= 20, (accepted, rejected)


@pytest.mark.parametrize("name", sorted(REGISTRY.schemas))
def test_registry_errors_are_the_same_with_and_without_the_pre_check(name: str) -> None:
    without = SchemaRegistry()
    without._fast = dict.fromkeys(without.schemas)  # no pre-check anywhere: jsonschema only
    for body in bodies(name)[:100]:
        assert REGISTRY.errors(name, body) == without.errors(name, body), body


def test_pre_check_does_not_fill_in_defaults() -> None:
    fast = compile_fast_check(REGISTRY.schemas["record_start"], _format_checker())
    assert fast is not None
    body = {"format": "wav", "channels": "single"}
    assert fast(body) and body == {"format": "wav", "channels": "single"}


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ({"prefixItems": [{"type": "string"}]}, "a 2020-12 keyword it does not know"),
        ({"type": "array", "items": [{"type": "string"}]}, "items as a list"),
        ({"enum": [0, "a"]}, "a 0/1 that Python confuses with False/True"),
        ({"const": True}, "a boolean const"),
        ({"unevaluatedProperties": False}, "unevaluatedProperties"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_schema_with_unvetted_keywords_gets_no_pre_check(
    schema: dict[str, Any], reason: str
) -> None:
    assert compile_fast_check(schema, _format_checker()) is None, reason


def test_ref_siblings_and_int32_are_enforced_like_2020_12() -> None:
    schema = {
        "$defs": {"n": {"type": "integer"}},
        "properties": {"a": {"$ref": "#/$defs/n", "maximum": 5}, "b": {"format": "int32"}},
    }
    fast = compile_fast_check(schema, _format_checker())
    assert fast is not None
    assert fast({"a": 5, "b": 2**31 - 1})
    assert not fast({"a": 6})  # the sibling of $ref applies
    assert not fast({"a": "5"})
    assert not fast({"b": 2**31})  # int32 bounds numbers
    assert fast({"b": True})  # as jsonschema: format checks ignore booleans
