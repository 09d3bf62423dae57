"""README.md's code blocks, by the heading they sit under, and the outputs they show.

A shell block shows what a command prints as comment lines right after it (``# {"data": ...``);
``...`` in them stands for anything. :func:`expected_outputs` pairs each command with that text
and :func:`output_matches` compares, so the README cannot drift from what the mock prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
_HEADING = re.compile(r"^#{2,3} (.+)$", re.M)
# An output comment starts like JSON, a call id or a number; prose comments do not.
_OUTPUT = re.compile(r"^# ?([{\[\"]|v3:|\d)")


@dataclass(frozen=True)
class Block:
    heading: str
    language: str
    text: str


def blocks(readme: Path = README) -> list[Block]:
    text = readme.read_text(encoding="utf-8")
    headings = [(m.start(), m.group(1).strip()) for m in _HEADING.finditer(text)]
    found = []
    for match in _BLOCK.finditer(text):
        heading = next((h for at, h in reversed(headings) if at < match.start()), "")
        found.append(Block(heading, match.group(1), match.group(2)))
    return found


def block(heading: str, language: str, index: int = 0) -> Block:
    """The ``index``-th block of ``language`` under ``heading`` (a prefix of its title)."""
    matching = [b for b in blocks() if b.heading.startswith(heading) and b.language == language]
    return matching[index]


@dataclass(frozen=True)
class Step:
    command: str  # one shell command, continuation lines joined
    shown: str | None  # what the README says it prints, or None


def steps(script: str) -> list[Step]:
    """Commands of a shell block with the output comment that follows each."""
    result: list[Step] = []
    lines = script.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        command = line
        while command.endswith("\\") and i < len(lines):
            command = command + "\n" + lines[i]
            i += 1
        shown: list[str] = []
        if i < len(lines) and _OUTPUT.match(lines[i]):
            shown.append(lines[i][1:].strip())
            i += 1
            while i < len(lines) and lines[i].startswith("#  "):  # wrapped output
                shown.append(lines[i][1:].strip())
                i += 1
        result.append(Step(command, " ".join(shown) if shown else None))
    return result


MARK = "@@readme-step "


def instrumented(script_steps: list[Step]) -> str:
    """One bash script running the steps in order, each output preceded by a marker line."""
    parts = ["set -euo pipefail"]
    for number, step in enumerate(script_steps):
        parts.append(f"echo; echo '{MARK}{number}'")
        parts.append(step.command)
    return "\n".join(parts) + "\n"


def split_outputs(stdout: str, count: int) -> list[str]:
    """What each step printed, from the instrumented script's stdout."""
    outputs = [""] * count
    current = None
    for line in stdout.splitlines(keepends=True):
        if line.startswith(MARK):
            current = int(line[len(MARK) :])
            continue
        if current is not None:
            outputs[current] += line
    return [output.strip() for output in outputs]


def output_matches(shown: str, actual: str) -> bool:
    """``actual`` is what ``shown`` says, ``...`` standing for any text."""
    pattern = ".*?".join(re.escape(part) for part in shown.split("..."))
    return re.fullmatch(pattern, actual.strip(), flags=re.S) is not None
