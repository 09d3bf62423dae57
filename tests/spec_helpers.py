"""Telnyx's OpenAPI spec for tests: validate what the mock sends against Telnyx's own schemas.

The tests read ``tests/data/telnyx-spec-trimmed.json``: the parts of Telnyx's spec they use,
cut from the full spec by ``docs/tools/trim_spec.py`` (its header says from which file), so a
fresh clone needs nothing beside it. ``MOCKSERVER_TELNYX_SPEC=/path/to/telnyx-openapi.yml``
runs the same tests against a full spec instead.

``telnyx_spec`` is a session fixture (tests/conftest.py loads this module as a plugin); import
``spec_errors`` where it is needed.
"""

from __future__ import annotations

import gc
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "SPEC_PATH",
    "SPEC_URI",
    "TRIMMED_SPEC_PATH",
    "load_spec",
    "load_spec_registry",
    "spec_errors",
    "telnyx_spec",
]

TRIMMED_SPEC_PATH = Path(__file__).resolve().parent / "data" / "telnyx-spec-trimmed.json"
SPEC_PATH = Path(os.environ.get("MOCKSERVER_TELNYX_SPEC") or TRIMMED_SPEC_PATH)
SPEC_URI = "urn:telnyx:openapi"


@cache
def load_spec() -> dict[str, Any]:
    """The spec as parsed JSON/YAML (the trimmed copy unless MOCKSERVER_TELNYX_SPEC says)."""
    if SPEC_PATH.suffix == ".json":
        with SPEC_PATH.open(encoding="utf-8") as fh:
            spec: dict[str, Any] = json.load(fh)
        return spec
    gc.disable()  # a full spec allocates millions of objects: GC passes would double its time
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with SPEC_PATH.open(encoding="utf-8") as fh:
            spec = yaml.load(fh, Loader=loader)  # safe loader only
    finally:
        gc.enable()
    gc.freeze()  # it lives all session: keep later GC passes from walking it
    return spec


@cache
def load_spec_registry() -> Registry[Any]:
    """The whole Telnyx OpenAPI document as one resource, so every ``$ref`` resolves."""
    spec = load_spec()
    resource: Resource[Any] = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


@pytest.fixture(scope="session")
def telnyx_spec() -> Registry[Any]:
    return load_spec_registry()


def spec_errors(registry: Registry[Any], component: str, instance: Any) -> list[str]:
    """Every way ``instance`` breaks ``components.schemas.<component>`` of the spec."""
    validator = Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/components/schemas/{component}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return sorted(f"{e.json_path}: {e.message}" for e in validator.iter_errors(instance))
