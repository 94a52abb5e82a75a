"""`panhuo evaluate`, `evaluate explain`, `evaluate history` and `report portfolio` on both databases."""

import json
from datetime import date

import openpyxl
import pytest
from typer.testing import CliRunner
from valuation_factories import make_patent

from panhuo.cli import app
from panhuo.db import get_engine, session_scope
from panhuo.valuation.tree import DEFAULT_TREE

runner = CliRunner()


@pytest.fixture
def workspace(db_url):
    with session_scope(get_engine(db_url)) as s:
        make_patent(s, "CN201610000001.1")
        make_patent(s, "CN201610000002.1", events=[("pledge", date(2022, 1, 5), {})])
        make_patent(s, "CN200510000003.1", filing_date=date(2005, 1, 1), grant_date=date(2008, 1, 1),
                    claims_count=1)
    return db_url


def _run(db_url, *args):
    return runner.invoke(app, ["--db", db_url, *args])


def test_evaluate_json_then_unchanged_rerun(workspace):
    first = _run(workspace, "evaluate", "--as-of", "2026-06-30", "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["evaluated"] == 3 and summary["stored"] == 3 and sum(summary["dispositions"].values()) == 3
    again = json.loads(_run(workspace, "evaluate", "--as-of", "2026-06-30", "--json").stdout)
    assert again["stored"] == 0 and again["unchanged"] == 3
    other = json.loads(_run(workspace, "evaluate", "--as-of", "2026-06-30", "-s", "金融质押", "--json").stdout)
    assert other["stored"] == 3 and other["scenario"] == "金融质押"


def test_explain_and_history(workspace):
    _run(workspace, "evaluate", "--as-of", "2026-06-30")
    out = _run(workspace, "evaluate", "explain", "CN201610000002.1", "--as-of", "2026-06-30", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["decision"]["rule"] == "R01-pledged" and data["stored"]["same_inputs"] is True
    text = _run(workspace, "evaluate", "explain", "CN201610000002.1", "--as-of", "2026-06-30")
    assert "R01-pledged" in text.stdout and "剩余年限" in text.stdout
    hist = _run(workspace, "evaluate", "history", "CN201610000002.1", "--json")
    assert [json.loads(line)["disposition"] for line in hist.stdout.splitlines()] == ["技术保护"]
    missing = _run(workspace, "evaluate", "explain", "CN209999999999.9")
    assert missing.exit_code == 1 and "no patent with number" in missing.stderr


def test_bad_tree_and_scenario_fail_clearly(workspace, tmp_path):
    broken = tmp_path / "tree.yaml"
    broken.write_text(DEFAULT_TREE.read_text(encoding="utf-8").replace("weights: {许可转让: 0.30, 金融质押: 0.45",
                                                                       "weights: {许可转让: 0.90, 金融质押: 0.45", 1),
                      encoding="utf-8")
    bad = _run(workspace, "evaluate", "--tree", str(broken))
    assert bad.exit_code == 1 and "tree (dimensions): weights for 许可转让 sum to 1.6, not 1" in bad.stderr
    scen = _run(workspace, "evaluate", "--scenario", "侵权救济")
    assert scen.exit_code == 1 and "unknown scenario '侵权救济'" in scen.stderr


def test_report_portfolio_workbook(workspace, tmp_path):
    out = tmp_path / "portfolio.xlsx"
    result = _run(workspace, "report", "portfolio", "--out", str(out), "--as-of", "2026-06-30", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["patents"] == 3
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["汇总 Summary", "技术保护", "转化运用", "开放许可", "终止维持"]
    rows = [r for name in wb.sheetnames[1:] for r in wb[name].iter_rows(min_row=2, values_only=True)]
    assert len(rows) == 3 and all(r[-1] and r[-1].startswith("R") for r in rows)  # every row is explained
    assert len(wb["汇总 Summary"]._charts) == 3
