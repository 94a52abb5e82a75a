"""`panhuo report metrics` and `panhuo report export` on both databases."""

import json

import openpyxl
import pytest
from typer.testing import CliRunner

from panhuo.cli import app
from panhuo.db import get_engine, session_scope

from reports_portfolio import build_world

runner = CliRunner()


@pytest.fixture
def workspace(db_url):
    with session_scope(get_engine(db_url)) as s:
        world = build_world(s)
        ids = world.university.id, world.university.name
    return db_url, ids


def test_metrics_json_lines(workspace):
    url, (inst_id, name) = workspace
    result = runner.invoke(app, ["--db", url, "report", "metrics", "--institution", name, "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert (rows["inventory_rate"]["numerator"], rows["inventory_rate"]["denominator"]) == (3, 5)
    assert rows["licence_rate"]["label"] == "S" and rows["implementation_rate"]["label"] == "U"


def test_unknown_institution_and_bad_date_are_refused(workspace):
    url, _ = workspace
    bad = runner.invoke(app, ["--db", url, "report", "metrics", "--institution", "不存在大学"])
    assert bad.exit_code != 0 and "不存在大学" in bad.output
    day = runner.invoke(app, ["--db", url, "report", "metrics", "--as-of", "2025-13-01"])
    assert day.exit_code != 0 and "YYYY-MM-DD" in day.output


def test_export_workbook(workspace, tmp_path):
    url, (inst_id, _) = workspace
    out = tmp_path / "统计.xlsx"
    result = runner.invoke(app, ["--db", url, "report", "export", "--out", str(out), "--institution",
                                 str(inst_id), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["metrics"] >= 20
    wb = openpyxl.load_workbook(out)
    assert [n.split()[0] for n in wb.sheetnames] == ["盘点入库", "实施与转化", "交易", "维持与年费", "定义"]
    chain = wb.worksheets[0]
    first = [c.value for c in chain[4]]
    assert first[:5] == ["盘点率", "inventory_rate", 0.6, 3, 5]
    defs = wb["定义 Definitions"]
    assert any("jizihe.com" in str(c.value) for row in defs.iter_rows() for c in row)
