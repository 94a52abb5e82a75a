"""`panhuo import` and `panhuo generate-export` through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from panhuo.cli import app

from .helpers import export61_row, write_csv

runner = CliRunner()


def cli(db_url, workspace, *args):
    return runner.invoke(app, ["--db", db_url, "--workspace", str(workspace), *args])


def test_import_json_summary_and_idempotent_rerun(db_url, tmp_path):
    src = write_csv(tmp_path / "a.csv", [export61_row(1), export61_row(2, 申请日="2021-13-01")])
    first = cli(db_url, tmp_path, "import", str(src), "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout.strip().splitlines()[-1])
    assert (summary["imported"], summary["field_errors"], summary["by_reason"]) == (2, 1, {"bad_date": 1})
    assert (tmp_path / "reports" / f"import-{summary['import_id']}-errors.xlsx").exists()
    again = json.loads(cli(db_url, tmp_path, "import", str(src), "--json").stdout.strip().splitlines()[-1])
    assert (again["imported"], again["updated"], again["unchanged"]) == (0, 0, 2)
    shown = cli(db_url, tmp_path, "patents", "list", "--json")
    assert len(shown.stdout.strip().splitlines()) == 2


def test_unknown_format_is_one_clear_line_with_the_report(db_url, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n", encoding="utf-8")
    result = cli(db_url, tmp_path, "import", str(junk))
    assert result.exit_code == 1
    assert "match no known export format" in result.output and "report:" in result.output


def test_generate_export_then_import_marks_synthetic(db_url, tmp_path):
    out = tmp_path / "syn.csv"
    made = cli(db_url, tmp_path, "generate-export", "--rows", "30", str(out))
    assert made.exit_code == 0, made.output
    result = cli(db_url, tmp_path, "import", str(out), "--json")
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["imported"] == 30 and summary["rejected"] == 0
    listed = [json.loads(line) for line in cli(db_url, tmp_path, "patents", "list", "--json").stdout.splitlines()]
    assert listed and all(p["synthetic"] for p in listed)
