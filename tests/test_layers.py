"""The package's layering (README "How it is built"): each sub-package has a layer, a module
imports only its own layer or below, no import cycle exists between modules, and the sans-IO
core touches no sockets, event loop or clock."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mockserver"

# Sub-package (or top-level module) → layer. Lower layers never import higher ones.
LAYERS: dict[str, int] = {
    "errors": 0,
    "ids": 0,
    "config": 0,
    "resources": 0,
    "core": 1,  # sans-IO domain: state tables, simulator, webhook events, signing
    "audio": 2,  # pure synthesis of recording files
    "spec": 2,  # validators, compiled pre-check, scenario loading, OpenAPI document
    "runtime": 3,  # asyncio: clock, effects, webhook delivery, links, logs
    "web": 4,  # the aiohttp shell
    "ui": 4,  # the dashboard, mounted by web/app.py (uses web's pipeline)
    "cli": 5,
    "pytest_plugin": 5,
    "testing": 5,
    "__main__": 5,
    "pytest_entry": 5,  # installed as the top-level pytest_telnyx_mock
    "__init__": 5,
}
CORE_FORBIDDEN = {"aiohttp", "asyncio", "socket", "time", "threading", "subprocess"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    key = parts[1] if len(parts) > 1 else "__init__"
    return LAYERS.get(key)


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """(mockserver modules imported at any depth of the file, other top-level modules)."""
    internal: set[str] = set()
    external: set[str] = set()
    known = {module_name(p) for p in modules()}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: use absolute imports (from mockserver.x import y)"
            if node.module.split(".")[0] == "mockserver":
                for alias in node.names:  # `from mockserver.web import calls` names a module
                    candidate = f"{node.module}.{alias.name}"
                    internal.add(candidate if candidate in known else node.module)
            else:
                external.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "mockserver":
                    internal.add(alias.name)
                else:
                    external.add(alias.name.split(".")[0])
    return internal, external


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    unplaced = {module_name(p) for p in modules() if layer_of(module_name(p)) is None}
    assert not unplaced, f"add these to LAYERS in {__file__}: {sorted(unplaced)}"


def test_modules_import_only_their_layer_or_below() -> None:
    violations = []
    for path in modules():
        name = module_name(path)
        layer = layer_of(name)
        for imported in imports_of(path)[0]:
            if (layer_of(imported) or 0) > (layer or 0):
                violations.append(f"{name} (L{layer}) imports {imported} (L{layer_of(imported)})")
    assert not violations


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every back edge of a depth-first walk, as the loop it closes."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_no_import_cycles() -> None:
    graph = {module_name(p): imports_of(p)[0] - {module_name(p)} for p in modules()}
    cycles = find_cycles(graph)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_cycle_finder_reports_a_loop_and_passes_a_chain() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_core_does_no_io_and_reads_no_clock() -> None:
    offenders = {
        module_name(path): sorted(imports_of(path)[1] & CORE_FORBIDDEN)
        for path in modules()
        if (layer_of(module_name(path)) or 0) <= 1
    }
    assert {k: v for k, v in offenders.items() if v} == {}
