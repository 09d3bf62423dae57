"""Every wire error code lives in mockserver/errors.py: no other module writes one.

A code written elsewhere drifts from its title and from the other places that return it;
modules call the constructors in errors.py instead.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mockserver"
WIRE_CODE = re.compile(r"[0-9]{5}")


def code_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and WIRE_CODE.fullmatch(node.value)
    ]


def test_no_module_but_errors_writes_a_wire_error_code() -> None:
    found = [
        literal
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "errors.py"
        for literal in code_literals(path)
    ]
    assert found == [], "use a constructor from mockserver/errors.py:\n" + "\n".join(found)


def test_the_check_sees_a_code_literal() -> None:
    # errors.py itself writes them, so the scan finds codes where they are.
    assert any("'90018'" in literal for literal in code_literals(PACKAGE / "errors.py"))
