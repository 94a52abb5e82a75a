"""CLI behaviour that needs no reference data: degrading plainly, importing official tables, errors."""

import json

from typer.testing import CliRunner

from panhuo.cli import app

runner = CliRunner()


def test_without_the_data_sets_codes_come_without_titles_and_status_says_so(tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    status = runner.invoke(app, ["-w", str(tmp_path), "--data", str(empty), "data", "status", "--json"])
    rows = [json.loads(line) for line in status.stdout.splitlines()]
    assert status.exit_code == 0 and not any(r["present"] for r in rows)
    shown = runner.invoke(app, ["-w", str(tmp_path), "--data", str(empty), "taxonomy", "ipc", "H01M 10/0525"])
    assert shown.exit_code == 0
    assert "H01M 10/0525" in shown.stdout and "titles not available" in shown.stdout


def test_an_invalid_symbol_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["-w", str(tmp_path), "taxonomy", "ipc", "Z99"])
    assert result.exit_code == 1 and "sections are A–H" in result.output


def test_data_add_then_map_uses_the_official_table(tmp_path):
    folder = tmp_path / "official"
    folder.mkdir()
    (folder / "nbs.csv").write_text("国民经济行业代码,国民经济行业名称,国际专利分类\n3841,锂离子电池制造,H01M10/0525、H01M4/13\n",
                                    encoding="utf-8")
    empty = tmp_path / "no-data"
    empty.mkdir()
    base = ["-w", str(tmp_path / "ws"), "--data", str(empty)]
    added = runner.invoke(app, base + ["data", "add", str(folder), "--json"])
    assert added.exit_code == 0 and json.loads(added.stdout)["table"] == "nbs-ipc-gbt4754-2018"
    mapped = json.loads(runner.invoke(app, base + ["taxonomy", "map", "H01M10/0525", "--json"]).stdout)
    assert mapped["industries"][0]["code"] == "3841"
    assert mapped["industries"][0]["source"] == "official:nbs-ipc-gbt4754-2018"
    assert "wipo-ipc-tech-concordance" in mapped["missing"]


def test_classify_without_a_model_says_how_to_train(tmp_path):
    result = runner.invoke(app, ["-w", str(tmp_path), "classify", "锂电池"])
    assert result.exit_code == 1 and "panhuo taxonomy train" in result.output


def test_status_counts_rows_of_csv_and_workbook_sets(tmp_path):
    import openpyxl

    data = tmp_path / "data"
    (data / "gbt4754-2017").mkdir(parents=True)
    (data / "gbt4754-2017" / "gbt4754_2017.csv").write_text("code,level,name\nC,1,制造业\n38,2,电气机械和器材制造业\n",
                                                            encoding="utf-8")
    (data / "gbt4754-2017" / "SOURCES.md").write_text("# x\n- Source: hand-built test file\n", encoding="utf-8")
    (data / "fraunhofer-nace-ipc-concordance").mkdir()
    book = openpyxl.Workbook()
    for row in (["NACE", "H01", "A61"], [27, 0.9, 0.0], [21, 0.1, 1.0], [26, 0.0, 0.0]):
        book.active.append(row)
    book.save(data / "fraunhofer-nace-ipc-concordance" / "nace_ipc.xlsx")
    status = runner.invoke(app, ["-w", str(tmp_path), "--data", str(data), "data", "status", "--json"])
    rows = {r["set"]: r for r in map(json.loads, status.stdout.splitlines())}
    assert status.exit_code == 0
    assert (rows["gbt4754-2017"]["rows"], rows["gbt4754-2017"]["source"]) == (2, "hand-built test file")
    assert rows["fraunhofer-nace-ipc-concordance"]["rows"] == 3
    assert rows["ipc-zh-2026"] == rows["ipc-zh-2026"] | {"present": False, "rows": None}
    plain = runner.invoke(app, ["-w", str(tmp_path), "--data", str(data), "data", "status"])
    assert "missing sets: ipc-zh-2026" in " ".join(plain.stdout.split()) and "features degrade" in plain.stdout


def test_without_the_ipc_sets_a_code_has_no_children_listed(tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    shown = runner.invoke(app, ["-w", str(tmp_path), "--data", str(empty), "taxonomy", "ipc", "H01M", "--json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["children"] == []


IPC_ZH_2027 = ("code,level,title_zh,division_zh\nH,section,电学,\nH01,class,基本电气元件,\n"
               "H01M,subclass,化学能转电能的方法或装置,\nH01M10/00,main_group,二次电池,\n"
               "H01M10/0599,subgroup,新设的测试小组（2027）,\n")


def test_data_add_registers_a_newer_ipc_edition_for_the_workspace(tmp_path):
    folder, empty = tmp_path / "ipc-2027", tmp_path / "no-data"
    folder.mkdir(), empty.mkdir()
    (folder / "ipc_zh_2027.csv").write_text(IPC_ZH_2027, encoding="utf-8")
    base = ["-w", str(tmp_path / "ws"), "--data", str(empty)]
    before = runner.invoke(app, base + ["taxonomy", "ipc", "H01M10/0599", "--json"])
    assert json.loads(before.stdout)["hierarchy"][0]["title_zh"] is None
    added = runner.invoke(app, base + ["data", "add", str(folder), "--json"])
    record = json.loads(added.stdout)
    assert added.exit_code == 0 and (record["table"], record["edition"], record["rows"]) == ("ipc-zh-2026", "2027", 5)
    status = {r["set"]: r for r in map(json.loads, runner.invoke(app, base + ["data", "status", "--json"]).stdout.splitlines())}
    assert status["ipc-zh-2026"] | {"path": ""} == status["ipc-zh-2026"] | {
        "present": True, "kind": "workspace", "edition": "2027", "rows": 5, "path": ""}
    assert "ipc_zh_2027.csv" in status["ipc-zh-2026"]["source"] and status["gbt4754-2017"]["present"] is False
    shown = json.loads(runner.invoke(app, base + ["taxonomy", "ipc", "H01M 10/0599", "--json"]).stdout)
    assert [n["title_zh"] for n in shown["hierarchy"]] == ["新设的测试小组（2027）", "二次电池", "化学能转电能的方法或装置",
                                                          "基本电气元件", "电学"]
    assert [c["code"] for c in json.loads(runner.invoke(app, base + ["taxonomy", "ipc", "H01M10/00", "--json"])
                                          .stdout)["children"]] == ["H01M10/0599"]
    (folder / "ipc_zh_2027.csv").write_text(IPC_ZH_2027.replace("二次电池", "二次电池（修订）"), encoding="utf-8")
    again = runner.invoke(app, base + ["data", "add", str(folder), "--edition", "IPC 2027.01", "--json"])
    assert json.loads(again.stdout)["edition"] == "IPC 2027.01"
    shown = json.loads(runner.invoke(app, base + ["taxonomy", "ipc", "H01M10/00", "--json"]).stdout)
    assert shown["hierarchy"][0]["title_zh"] == "二次电池（修订）"


def test_map_without_data_names_every_missing_set_it_needs(tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    mapped = runner.invoke(app, ["-w", str(tmp_path), "--data", str(empty), "taxonomy", "map", "H01M10/0525", "--json"])
    result = json.loads(mapped.stdout)
    assert mapped.exit_code == 0 and result["industries"] == [] and result["wipo"] == []
    assert set(result["missing"]) == {"ipc-zh-2026", "ipc-en-wipo", "gbt4754-2017", "gbt4754-industry-tags",
                                      "wipo-ipc-tech-concordance", "fraunhofer-nace-ipc-concordance"}


def test_industry_lookup_without_the_gbt4754_set_says_so(tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    shown = runner.invoke(app, ["-w", str(tmp_path), "--data", str(empty), "taxonomy", "industry", "3841"])
    assert shown.exit_code == 1 and "'gbt4754-2017' is missing" in shown.output
