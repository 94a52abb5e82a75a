"""`panhuo library …` end to end on a committed database (SQLite and PostgreSQL), without reference data."""

import json

from typer.testing import CliRunner

from panhuo.db import get_engine, load_all_models, session_scope
from panhuo.patents.models import Patent

runner = CliRunner()


def test_build_override_rebuild_show_and_query(db_url, tmp_path):
    load_all_models()
    with session_scope(get_engine(db_url)) as db:
        db.add(Patent(application_no="CN202310000009.1", title="一种动力电池包", ipc_main="H01M50/20",
                      ipc_all=["H01M50/20"], region_code="370200", synthetic=True))
    empty = tmp_path / "no-data"
    empty.mkdir()
    base = ["-w", str(tmp_path), "--db", db_url, "--data", str(empty)]
    built = runner.invoke(app_(), base + ["library", "build", "--json"])
    assert built.exit_code == 0, built.output
    assert json.loads(built.stdout)["without_industry"] == 1  # no concordance without the data sets
    with session_scope(get_engine(db_url)) as db:
        pid = db.query(Patent.id).scalar()
    added = runner.invoke(app_(), base + ["library", "override", str(pid), "--scheme", "gbt4754", "--code", "3841",
                                          "--reviewer", "王审", "--reason", "动力电池", "--json"])
    assert added.exit_code == 0, added.output
    runner.invoke(app_(), base + ["library", "build", "--json"])
    shown = json.loads(runner.invoke(app_(), base + ["library", "show", str(pid), "--json"]).stdout)
    assert shown["assignments"]["gbt4754"][0]["source"] == "reviewer:王审"
    assert shown["overrides"][0]["reason"] == "动力电池"
    found = runner.invoke(app_(), base + ["library", "query", "--industry", "38", "--region", "37", "--json"])
    assert [json.loads(line)["patent_id"] for line in found.stdout.splitlines()] == [pid]
    dense = runner.invoke(app_(), base + ["library", "query", "--not-ip-dense", "--json"])
    assert dense.exit_code == 0 and [json.loads(line)["patent_id"] for line in dense.stdout.splitlines()] == [pid]
    withdrawn = runner.invoke(app_(), base + ["library", "withdraw", str(shown["overrides"][0]["id"]), "--json"])
    assert withdrawn.exit_code == 0 and json.loads(withdrawn.stdout)["active"] is False
    shown = json.loads(runner.invoke(app_(), base + ["library", "show", str(pid), "--json"]).stdout)
    assert "gbt4754" not in shown["assignments"] and shown["overrides"][0]["active"] is False
    missing = runner.invoke(app_(), base + ["library", "withdraw", "999999"])
    assert missing.exit_code == 1 and "no override with id 999999" in missing.output
    wrong = runner.invoke(app_(), base + ["library", "query", "--disposition", "keep"])
    assert wrong.exit_code == 1 and "unknown disposition" in wrong.output
    unknown = runner.invoke(app_(), base + ["library", "show", "999999"])
    assert unknown.exit_code == 1 and "no patent with id 999999" in unknown.output
    nowhere = runner.invoke(app_(), base + ["library", "clusters", "--region", "110000"])
    assert nowhere.exit_code == 1 and "no clusters for region 110000" in nowhere.output and "330000" in nowhere.output
    refused = runner.invoke(app_(), base + ["library", "override", str(pid), "--scheme", "nope", "--code", "1",
                                            "--reviewer", "王审"])
    assert refused.exit_code == 1 and "unknown scheme" in refused.output


def app_():
    from panhuo.cli import app

    return app


def test_withdrawing_an_override_keeps_the_text_classification_of_a_patent_without_ipc(db_url, tmp_path):
    """A CNKI record has no IPC: `library build` classifies it from its text; a withdrawal rebuilds the patent
    and must classify it the same way, not leave it without fields until the next full build."""
    from panhuo.search.dense import get_embedder
    from panhuo.taxonomy import classifier
    from panhuo.taxonomy import service as taxonomy_service

    titles = ["一种锂离子电池正极材料", "锂电池负极及其制备方法", "一种电池隔膜", "一种中药组合物及其制备方法",
              "治疗糖尿病的药物组合物", "一种基于深度学习的图像识别方法"]
    labels = [["H01M"], ["H01M"], ["H01M"], ["A61K"], ["A61K", "A61P"], ["G06V"]]
    model = classifier.fit(titles, labels, [], embed=taxonomy_service.vote_embed(get_embedder()), min_df=1,
                           scheme_min_df=1, threads=1)
    classifier.save(model, taxonomy_service.model_path(tmp_path))
    load_all_models()
    with session_scope(get_engine(db_url)) as db:
        db.add(Patent(application_no="CN202310000010.1", title="一种锂电池正极材料", ipc_main=None, ipc_all=[],
                      region_code="370200", synthetic=True))
    empty = tmp_path / "no-data"
    empty.mkdir()
    base = ["-w", str(tmp_path), "--db", db_url, "--data", str(empty)]
    built = runner.invoke(app_(), base + ["library", "build", "--json"])
    assert built.exit_code == 0 and json.loads(built.stdout)["classified_by_text"] == 1, built.output
    with session_scope(get_engine(db_url)) as db:
        pid = db.query(Patent.id).scalar()
    shown = json.loads(runner.invoke(app_(), base + ["library", "show", str(pid), "--json"]).stdout)
    assert shown["assignments"]["ipc"][0] | {"weight": 0} == {"code": "H01M", "name": None, "weight": 0,
                                                              "source": "text:classifier"}
    added = runner.invoke(app_(), base + ["library", "override", str(pid), "--scheme", "wipo", "--code", "1",
                                          "--reviewer", "王审", "--json"])
    oid = json.loads(added.stdout)["id"]
    withdrawn = runner.invoke(app_(), base + ["library", "withdraw", str(oid), "--json"])
    assert withdrawn.exit_code == 0, withdrawn.output
    after = json.loads(runner.invoke(app_(), base + ["library", "show", str(pid), "--json"]).stdout)
    by_code = lambda rows: sorted(rows or [], key=lambda r: r["code"])  # equal weights have no order
    assert by_code(after["assignments"].get("ipc")) == by_code(shown["assignments"]["ipc"])
