"""The package's layering (../shared/STYLE.md): a module imports only its own layer or below,
and the sans-IO core never touches sockets, the event loop or the clock."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mockserver"

# 0 basics, 1 sans-IO core, 2 aiohttp shell, 3 entry points. A new module must be placed here.
LAYERS: dict[str, int] = {
    "errors": 0,
    "ids": 0,
    "config": 0,
    "calls": 1,
    "recordings": 1,
    "commands": 1,
    "validation": 1,
    "fast_validation": 1,
    "events": 1,
    "scenarios": 1,
    "signing": 1,
    "audio": 1,
    "tenants": 1,
    "recording_store": 1,
    "recording_audio": 1,
    "call_media": 1,
    "effects": 1,
    "media_commands": 1,
    "command_log": 1,
    "app": 2,
    "routes": 2,
    "recordings_routes": 2,
    "media_routes": 2,
    "media": 2,
    "control": 2,
    "webhooks": 2,
    "clock": 2,
    "openapi": 2,
    "scenario_files": 2,
    "hub": 2,
    "dashboard": 2,
    "http_server": 2,
    "control_auth": 2,
    "openapi_responses": 2,
    "cli": 3,
    "pytest_plugin": 3,
    "__main__": 3,
    "__init__": 3,
}
CORE_FORBIDDEN = {"aiohttp", "asyncio", "socket", "time", "threading", "subprocess"}


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(modules of this package imported, top-level third-party/stdlib modules imported)."""
    internal: set[str] = set()
    external: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if node.module:
                    internal.add(node.module.split(".")[0])
                else:
                    internal.update(alias.name for alias in node.names)
            elif node.module:
                if node.module.startswith("mockserver"):
                    internal.add(node.module.split(".")[1] if "." in node.module else "__init__")
                else:
                    external.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            external.update(alias.name.split(".")[0] for alias in node.names)
    return internal, external


def modules() -> list[Path]:
    return sorted(PACKAGE.glob("*.py"))


def test_every_module_has_a_layer() -> None:
    unplaced = {p.stem for p in modules()} - set(LAYERS)
    assert not unplaced, f"add these to LAYERS in {__file__}: {sorted(unplaced)}"


def test_modules_import_only_their_layer_or_below() -> None:
    violations = []
    for path in modules():
        layer = LAYERS.get(path.stem)
        if layer is None:
            continue
        internal, _ = _imports(path)
        for name in internal:
            if LAYERS.get(name, 99) > layer:
                violations.append(f"{path.stem} (L{layer}) imports {name} (L{LAYERS.get(name)})")
    assert not violations


def test_core_does_no_io_and_reads_no_clock() -> None:
    offenders = {
        path.stem: sorted(_imports(path)[1] & CORE_FORBIDDEN)
        for path in modules()
        if LAYERS.get(path.stem, 99) <= 1
    }
    assert {k: v for k, v in offenders.items() if v} == {}
