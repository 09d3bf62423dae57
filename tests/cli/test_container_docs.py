"""README's "Run it as a container" recipes against the CLI and the Containerfile they rely on.

They run for real only where Docker or a CI service runs them; here every variable they set
must be an option and parse, the ``docker run`` arguments must parse, and the port and health
route they use must be the image's. ``make image-test`` runs the image itself.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.cli import build_parser, env_var, parse_args

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Run it as a container\n", 1)[1].split("\n## ", 1)[0]
CONTAINERFILE = (ROOT / "Containerfile").read_text(encoding="utf-8")
OPTION_VARIABLES = {name for action in build_parser()._actions if (name := env_var(action))}


def yaml_blocks() -> list[Any]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", SECTION, re.S)]


def mockserver_variables(node: Any) -> list[dict[str, str]]:
    """Every mapping in a YAML document that sets MOCKSERVER_* variables."""
    found = []
    if isinstance(node, dict):
        if any(str(key).startswith("MOCKSERVER_") for key in node):
            found.append({str(k): str(v) for k, v in node.items()})
        for value in node.values():
            found += mockserver_variables(value)
    elif isinstance(node, list):
        for value in node:
            found += mockserver_variables(value)
    return found


def test_the_section_has_docker_run_compose_github_and_gitlab() -> None:
    documents = yaml_blocks()
    assert "docker run " in SECTION
    assert any("mockserver" in doc.get("services", {}) for doc in documents)  # compose
    assert any("services" in job for doc in documents for job in doc.get("jobs", {}).values())
    assert any(
        isinstance(job, dict) and "services" in job and "script" in job
        for doc in documents
        for job in doc.values()
    )  # GitLab


@pytest.mark.parametrize("variables", [v for d in yaml_blocks() for v in mockserver_variables(d)])
def test_every_variable_set_is_an_option_and_parses(variables: dict[str, str]) -> None:
    ours = {k: v for k, v in variables.items() if k.startswith("MOCKSERVER_")}
    assert set(ours) <= OPTION_VARIABLES, set(ours) - OPTION_VARIABLES
    args = parse_args([], environ=ours)
    assert args.port == 8000  # what the recipes' URLs and port mappings use


def test_docker_run_arguments_parse() -> None:
    command = re.search(r"^docker run .*?[^\\]\n", SECTION, re.S | re.M)
    assert command
    words = shlex.split(command.group(0).replace("\\\n", " "))
    after_image = words[words.index("telnyx-mockserver") + 1 :]
    assert after_image and parse_args(after_image, environ={}).clock == "manual"
    assert "8000:8000" in words


def test_the_image_serves_what_the_recipes_reach() -> None:
    assert 'ENTRYPOINT ["mockserver"]' in CONTAINERFILE
    assert "MOCKSERVER_HOST=0.0.0.0" in CONTAINERFILE and "MOCKSERVER_PORT=8000" in CONTAINERFILE
    assert "EXPOSE 8000" in CONTAINERFILE
    healthcheck = re.search(r"^HEALTHCHECK .*$", CONTAINERFILE, re.M)
    assert healthcheck and "/_mock/health" in healthcheck.group(0)
    assert "MOCKSERVER_PORT" in healthcheck.group(0)  # follows a changed port
    assert "MOCKSERVER_CONTROL_TOKEN" in healthcheck.group(0)  # and a control token
    assert "MOCKSERVER_ALLOWED_HOST=*" in CONTAINERFILE  # reached by a service name
    for name in re.findall(r"MOCKSERVER_[A-Z_]+", SECTION + CONTAINERFILE):
        assert name in OPTION_VARIABLES, name
