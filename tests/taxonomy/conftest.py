"""One classifier trained per test session on the real titles (a few minutes), shared by the modules here."""

import json

import pytest
from typer.testing import CliRunner

from panhuo.cli import app

TRAINING_SETS = ("cn-patent-titles-ipc", "ipc-zh-2026", "ipc-en-wipo", "wipo-ipc-tech-concordance")


@pytest.fixture(scope="session")
def trained_workspace(data_dir, tmp_path_factory):
    """(workspace, `panhuo taxonomy train --holdout --json` output) — trained through the CLI, as users do."""
    missing = [name for name in TRAINING_SETS if not (data_dir / name).exists()]
    if missing:
        pytest.skip(f"reference data sets {missing} not found in {data_dir} (set PANHUO_DATA)")
    workspace = tmp_path_factory.mktemp("classifier-ws")
    out = CliRunner().invoke(app, ["-w", str(workspace), "taxonomy", "train", "--holdout", "--json"])
    assert out.exit_code == 0, out.output
    return workspace, json.loads(out.stdout)
