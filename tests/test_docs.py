"""Docs are part of the product: every command is documented, with an example, and docs/cli.md is current."""

import importlib.util
import sys
from pathlib import Path

import pytest
import typer

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
gen_cli_docs = importlib.util.module_from_spec(spec)
sys.modules["gen_cli_docs"] = gen_cli_docs
spec.loader.exec_module(gen_cli_docs)


def _leaf_commands():
    from panhuo.cli import app

    root = typer.main.get_command(app)
    return [(path, cmd) for path, cmd in gen_cli_docs.iter_commands(root) if not hasattr(cmd, "list_commands")]


@pytest.mark.parametrize("path,cmd", _leaf_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_help_and_an_example(path, cmd):
    assert (cmd.help or "").strip(), f"panhuo {path} has no help text"
    if path not in {"version"}:
        assert "Example:" in cmd.help, f"panhuo {path}: add an 'Example:' line to its docstring"


def test_cli_reference_is_current():
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == gen_cli_docs.render(), "docs/cli.md is out of date: run python scripts/gen_cli_docs.py"


def test_readme_gives_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
