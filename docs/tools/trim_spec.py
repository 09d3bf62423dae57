"""Cut Telnyx's OpenAPI spec down to what mockserver's tests compare with.

The full spec (about 4 MB of YAML) lives outside the repository, so a fresh clone could not run
the tests that check mockserver against it. This script keeps the paths, webhooks and component
schemas named below, plus everything they reference (``$ref`` closure, any component kind), and
writes them as one JSON document that the tests load.

Usage (from the repository root):

    python docs/tools/trim_spec.py [FULL_SPEC] [OUT]

FULL_SPEC defaults to ../shared/reference/telnyx-openapi.yml, OUT to
tests/data/telnyx-spec-trimmed.json. A test that needs more of the spec adds one line to
PATHS, WEBHOOKS or SCHEMAS below and reruns the script; tests/spec/test_trimmed_spec.py fails
until the trimmed file holds every entry listed here.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import sys
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = ROOT.parent / "shared" / "reference" / "telnyx-openapi.yml"
DEFAULT_OUT = ROOT / "tests" / "data" / "telnyx-spec-trimmed.json"
# The shared copy carries no commit of its own; the schemas were generated from this one
# (docs/tools/gen_schemas.py).
UPSTREAM = "team-telnyx/openapi openapi/spec3.yml commit 12de4dd039fd867f7a81c8ec415e6fb6477d5687"

# Glob patterns (fnmatch, case-sensitive) over the keys of ``paths``: every operation kept with
# its request bodies, responses and inline error examples (e.g. invalid_connection_id).
PATHS = [
    "/calls",
    "/calls/{call_control_id}",
    "/calls/{call_control_id}/actions/*",  # every call command (bridge, transfer, record_*, ...)
    "/conferences",
    "/conferences/*",  # create, join, leave, hold, mute, record_*, participants
    "/recordings",
    "/recordings/*",
    "/recording_transcriptions",
    "/recording_transcriptions/*",
]

# Glob patterns over the keys of ``webhooks`` (each names its event schema).
WEBHOOKS = [
    "call*",
    "Call*",
    "conference*",
    "transcription",
]

# Glob patterns over ``components.schemas`` kept even when no kept path references them.
SCHEMAS = [
    "CallRequest",
    "TransferCallRequest",
    "BridgeRequest",
    "Conference*Request",
    "Call*Event",
    "call*Event",
    "Conference*Event",
    "Recording*Event",
    "TranscriptionEvent",
    "RecordingTranscription",
    "RecordingResponse*",
]


def _matching(names: list[str], patterns: list[str]) -> list[str]:
    return [name for name in names if any(fnmatchcase(name, p) for p in patterns)]


def _refs(node: Any) -> list[str]:
    """Every local ``$ref`` below ``node``."""
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                found.append(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    """The kept paths, webhooks and schemas, with every component they reference."""
    paths = {p: spec["paths"][p] for p in _matching(list(spec["paths"]), PATHS)}
    webhooks = {w: spec["webhooks"][w] for w in _matching(list(spec["webhooks"]), WEBHOOKS)}
    components: dict[str, dict[str, Any]] = {}
    pending = [
        f"#/components/schemas/{name}"
        for name in _matching(list(spec["components"]["schemas"]), SCHEMAS)
    ]
    pending += _refs(paths) + _refs(webhooks)
    while pending:
        ref = pending.pop()
        parts = ref.removeprefix("#/").split("/")
        if len(parts) != 3 or parts[0] != "components":
            raise ValueError(f"unexpected $ref {ref!r}")
        _, kind, name = parts
        kept = components.setdefault(kind, {})
        if name in kept:
            continue
        kept[name] = spec["components"][kind][name]
        pending += _refs(kept[name])
    return {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "paths": dict(sorted(paths.items())),
        "webhooks": dict(sorted(webhooks.items())),
        "components": {
            kind: dict(sorted(entries.items())) for kind, entries in sorted(components.items())
        },
    }


def provenance(source: Path, raw: bytes) -> dict[str, str]:
    """Where the trimmed copy came from: enough to find and check the full file again."""
    blob = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()  # git hash-object
    return {
        # Named as the team's reference copy beside the repository, not this machine's path.
        "source": "../shared/reference/telnyx-openapi.yml"
        if source.as_posix().endswith("shared/reference/telnyx-openapi.yml")
        else source.name,
        "upstream": UPSTREAM,
        "git_blob_sha1": blob,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "trimmed_on": datetime.date.today().isoformat(),
        "generator": "docs/tools/trim_spec.py",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    raw = args.source.read_bytes()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(raw, Loader=loader)  # safe loader only
    trimmed = {"x-trimmed-from": provenance(args.source, raw), **trim(spec)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(trimmed, indent=1, ensure_ascii=False) + "\n"
    args.out.write_text(text, encoding="utf-8")
    counts = {kind: len(v) for kind, v in trimmed["components"].items()}
    print(
        f"{args.out}: {len(text) // 1024} KiB, {len(trimmed['paths'])} paths, "
        f"{len(trimmed['webhooks'])} webhooks, components {counts}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
