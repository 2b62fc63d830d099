"""The command line: every command has an example in its help, and the README's reference is true."""
from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from congvan.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_command_has_an_example_in_its_help():
    for name, command in main.commands.items():
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example: congvan " + name in result.output.replace("\n", " "), name


def test_readme_documents_exactly_the_commands_of_the_cli():
    documented = set(re.findall(r"^\| `congvan (\w+)", README.read_text(encoding="utf-8"), flags=re.M))
    assert documented == set(main.commands)


def test_readme_starts_with_the_two_newcomer_commands():
    head = README.read_text(encoding="utf-8").split("```")[1]
    assert [line.split()[:2] for line in head.strip().splitlines()] == [["make", "run"], ["make", "test"]]


def test_usage_errors_exit_2():
    result = CliRunner().invoke(main, ["ingest", "/no/such/folder"])
    assert result.exit_code == 2
    assert "does not exist" in result.output
