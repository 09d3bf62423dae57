"""Telnyx's OpenAPI spec for tests: validate what the mock sends against Telnyx's own schemas.

``telnyx_spec`` is a session fixture (tests/conftest.py loads this module as a plugin); import
``spec_errors`` where it is needed. The spec is parsed once per test process (about 2 s).
"""

from __future__ import annotations

import gc
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["SPEC_PATH", "SPEC_URI", "load_spec_registry", "spec_errors", "telnyx_spec"]

SPEC_PATH = Path(__file__).resolve().parents[2] / "shared/reference/telnyx-openapi.yml"
SPEC_URI = "urn:telnyx:openapi"


@cache
def load_spec_registry() -> Registry[Any]:
    """The whole Telnyx OpenAPI document as one resource, so every ``$ref`` resolves."""
    gc.disable()  # the parse allocates millions of objects: GC passes would double its time
    try:
        with SPEC_PATH.open(encoding="utf-8") as fh:
            spec = yaml.load(fh, Loader=yaml.CSafeLoader)  # safe loader only
    finally:
        gc.enable()
    gc.freeze()  # they live all session: keep later GC passes from walking them
    resource: Resource[Any] = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


@pytest.fixture(scope="session")
def telnyx_spec() -> Registry[Any]:
    if not SPEC_PATH.is_file():
        pytest.skip(f"Telnyx spec not found at {SPEC_PATH}")
    return load_spec_registry()


def spec_errors(registry: Registry[Any], component: str, instance: Any) -> list[str]:
    """Every way ``instance`` breaks ``components.schemas.<component>`` of the spec."""
    validator = Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/components/schemas/{component}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return sorted(f"{e.json_path}: {e.message}" for e in validator.iter_errors(instance))
