"""CLI contracts: `panhuo index build`, `panhuo search --json`, `panhuo keywords --json` (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from panhuo.cli import app
from panhuo.db import get_engine, session_scope
from panhuo.search import index as search_index
from search_corpus import CORPUS, add_patent

runner = CliRunner()


def invoke(db_url, workspace, *args, stdin=None):
    return runner.invoke(app, ["--workspace", str(workspace), "--db", db_url, *args], input=stdin)


def test_build_then_search_json_lines(db_url, tmp_path):
    with session_scope(get_engine(db_url)) as session:
        for i, row in enumerate(CORPUS, 1):
            add_patent(session, i, *row)
    built = invoke(db_url, tmp_path, "index", "build", "--json")
    assert built.exit_code == 0, built.output
    assert json.loads(built.stdout.strip().splitlines()[-1])["added"] == len(CORPUS)
    result = invoke(db_url, tmp_path, "search", "锂电池 正极 回收", "--top", "3", "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 3
    assert set(lines[0]) == {"patent", "patent_id", "score", "why"}
    assert lines[0]["patent"] == "CN202310000001.5" and "回收" in lines[0]["why"]["matched_terms"]
    assert lines[0]["score"] >= lines[1]["score"] >= lines[2]["score"]
    similar = invoke(db_url, tmp_path, "similar", "CN202310000002.X", "--top", "2", "--json")
    assert similar.exit_code == 0, similar.output
    rows = [json.loads(line) for line in similar.stdout.splitlines() if line.strip()]
    assert len(rows) == 2 and "CN202310000002.X" not in {r["patent"] for r in rows}
    assert rows[0]["why"]["shared_ipc"] == ["H01M"]
    missing = invoke(db_url, tmp_path, "similar", "CN209999999999.9")
    assert missing.exit_code == 1 and "no patent with number" in missing.output
    search_index.forget(tmp_path / "index")


def test_search_before_build_fails_with_a_clear_message(db_url, tmp_path):
    result = invoke(db_url, tmp_path, "search", "电池", "--json")
    assert result.exit_code == 1 and "panhuo index build" in " ".join(result.output.split())


def test_keywords_reads_and_writes_json_lines(db_url, tmp_path):
    stdin = "\n".join([json.dumps({"id": "d1", "text": "需要一种用于污水处理的曝气装置，提高溶解氧利用率"}, ensure_ascii=False),
                       json.dumps({"id": 7, "text": "Lithium battery thermal management with liquid cooling"})])
    result = invoke(db_url, tmp_path, "keywords", "--top", "3", "--json", stdin=stdin)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["d1", 7]
    assert all(len(r["keywords"]) == 3 for r in rows) and "曝气" in rows[0]["keywords"]


def test_keywords_rejects_a_bad_line_with_its_number(db_url, tmp_path):
    result = invoke(db_url, tmp_path, "keywords", stdin='{"id": 1, "text": "电池"}\n{"text": "no id"}\n')
    message = " ".join(result.output.split())
    assert result.exit_code == 1 and "line 2: missing field(s) id" in message
