"""Official-table importers on small fixtures built by hand in the published layouts."""

import zipfile
from pathlib import Path

import openpyxl
import pytest

from panhuo.taxonomy import datasets, importers
from panhuo.taxonomy.concordance import Concordance, ConcordanceRow


def nbs_2018_xlsx(path: Path) -> Path:
    """NBS 《国际专利分类与国民经济行业分类参照关系表(2018)》 layout: title row, a header with
    门类/大类/中类/小类 columns, merged 门类/大类 cells, IPC lists separated by 、 and one bad cell."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["国际专利分类与国民经济行业分类参照关系表（2018）"])
    ws.append(["门类", "大类", "中类", "小类", "类别名称", "国际专利分类号"])
    ws.append(["C", "38", "384", "3841", "锂离子电池制造", "H01M10/0525、H01M4/13、H01M4/1391"])
    ws.append(["", "", "", "3842", "镍氢电池制造", "H01M10/30"])
    ws.append(["", "", "", "", "", "H01M10/34"])  # continuation line of 3842
    ws.append(["", "", "", "3849", "其他电池制造", "H01M6/00-H01M6/52、Q99Z1/00、H01M14/00"])
    ws.append(["", "39", "", "", "计算机、通信和其他电子设备制造业", ""])
    ws.append(["", "", "397", "3973", "集成电路制造", "H01L21/*、H10D84*"])
    ws.merge_cells("A3:A8")
    ws.merge_cells("B3:B6")
    book.save(path)
    return path


def cnipa_2021_docx(path: Path) -> Path:
    """CNIPA 《战略性新兴产业分类与国际专利分类参照关系表(2021)》 layout as a Word table: code, name,
    IPC list with * wildcards, 关键词; continuation rows with an empty code cell."""
    rows = [["战略性新兴产业分类代码", "战略性新兴产业分类名称", "国际专利分类", "关键词"],
            ["1.6", "人工智能", "G06F40*、A61B5/0476、G06N3/04", "人工智能；深度学习"],
            ["", "", "G06N5/02、G05B13/02", ""],
            ["5.1", "新能源汽车整车制造", "B60L50/00、B60L53/*", ""],
            ["x.9", "坏代码", "B60L", ""]]

    def cell(text):
        return f"<w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"

    body = "".join("<w:tr>" + "".join(cell(c) for c in r) + "</w:tr>" for r in rows)
    xml = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
           f'wordprocessingml/2006/main"><w:body><w:p/><w:tbl>{body}</w:tbl></w:body></w:document>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", xml)
    return path


def test_nbs_layout_imports_codes_carried_over_merged_and_continued_rows(tmp_path):
    result = importers.import_file(nbs_2018_xlsx(tmp_path / "nbs.xlsx"))
    pairs = {(r.ipc_pattern, r.target_code) for r in result.rows}
    assert result.kind == "nbs-ipc-gbt4754-2018"
    assert {("H01M10/0525", "3841"), ("H01M4/13", "3841"), ("H01M10/34", "3842"), ("H01M14/00", "3849"),
            ("H01L21/*", "3973"), ("H10D84*", "3973")} <= pairs
    assert result.names["3841"] == "锂离子电池制造"
    assert all(r.source == "official:nbs-ipc-gbt4754-2018" for r in result.rows)


def test_nbs_bad_cells_are_reported_and_the_rest_of_the_row_kept(tmp_path):
    result = importers.import_file(nbs_2018_xlsx(tmp_path / "nbs.xlsx"))
    assert any("range 'H01M6/00-H01M6/52'" in e for e in result.errors)
    assert any("'Q99Z1/00'" in e for e in result.errors)
    assert ("H01M14/00", "3849") in {(r.ipc_pattern, r.target_code) for r in result.rows}


def test_cnipa_sei_docx_layout(tmp_path):
    result = importers.import_file(cnipa_2021_docx(tmp_path / "sei.docx"))
    table = Concordance(result.rows)
    assert result.kind == "cnipa-sei-ipc-2021"
    assert [m.target for m in table.lookup("G06F40/30")] == ["1.6"]
    assert [m.target for m in table.lookup("G05B13/02")] == ["1.6"]  # continuation row
    assert [m.target for m in table.lookup("B60L53/10")] == ["5.1"]
    assert result.keywords["1.6"] == ["人工智能", "深度学习"]
    assert any("'x.9'" in e for e in result.errors)


def test_csv_in_nbs_layout_with_a_single_code_column(tmp_path):
    path = tmp_path / "nbs.csv"
    path.write_text("行业代码,行业名称,IPC\n2761,生物药品制造,C12N15/00;A61K39/00\n", encoding="utf-8")
    result = importers.import_file(path)
    assert {(r.ipc_pattern, r.target_code) for r in result.rows} == {("C12N15/00", "2761"), ("A61K39/00", "2761")}


def test_unknown_tables_are_refused_with_a_reason(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(importers.ImportErrorTable, match="not an NBS 2018"):
        importers.import_file(path)


def test_data_add_stores_tables_in_the_workspace_and_official_rows_win(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    nbs_2018_xlsx(folder / "nbs.xlsx")
    cnipa_2021_docx(folder / "sei.docx")
    (folder / "readme.csv").write_text("x\n", encoding="utf-8")
    workspace = tmp_path / "ws"
    records = {r["file"]: r for r in datasets.add(folder, workspace)}
    assert records["nbs.xlsx"]["imported"] and records["sei.docx"]["imported"]
    assert not records["readme.csv"]["imported"]
    rows, names = datasets.load_official(workspace)
    table = Concordance(rows + [ConcordanceRow("H01M", "39", 1.0, "derived:x")])
    assert [m.target for m in table.lookup("H01M10/0525")] == ["3841"]
    assert names["gbt4754:3841"] == "锂离子电池制造"
    status = {s["set"]: s for s in datasets.status(tmp_path / "no-data", workspace)}
    assert status["nbs-ipc-gbt4754-2018"]["kind"] == "official" and not status["ipc-zh-2026"]["present"]


@pytest.mark.parametrize(
    "name, first_line, expected",
    [("ipc_zh_2027.csv", "code,level,title_zh,division_zh", "ipc-zh-2026"),
     ("all_ipc_en_2027.tsv", "A\tHUMAN NECESSITIES", "ipc-en-wipo"),
     ("gbt.csv", "level,men_lei,da_lei,zhong_lei,xiao_lei,code,name,remark,derived", "gbt4754-2017"),
     ("tags.csv", "gbt4754_code,gbt4754_name,tag,tag_standard,partial_star", "gbt4754-industry-tags"),
     ("wipo.csv", "\ufeffField_number,Sector_en,Field_en,IPC_code,Updated_on", "wipo-ipc-tech-concordance"),
     ("titles.csv", "publication_number,title,ipc_subclasses", "cn-patent-titles-ipc"),
     ("nbs.csv", "国民经济行业代码,国民经济行业名称,国际专利分类", None),
     ("notes.csv", "anything else", None)],
)
def test_reference_set_files_are_told_apart_by_their_first_line(tmp_path, name, first_line, expected):
    path = tmp_path / name
    path.write_text(first_line + "\n", encoding="utf-8")
    assert datasets.detect_reference(path) == expected


def test_without_registered_sets_the_data_directory_is_used_as_it_is(tmp_path):
    data = tmp_path / "data"
    (data / "gbt4754-2017").mkdir(parents=True)
    assert datasets.effective_data_dir(data, tmp_path / "ws") == data
    (tmp_path / "ws" / "data" / "sets" / "ipc-zh-2026").mkdir(parents=True)
    merged = datasets.effective_data_dir(data, tmp_path / "ws")
    assert merged != data and {p.name for p in merged.iterdir()} == {"gbt4754-2017", "ipc-zh-2026"}
    assert (merged / "gbt4754-2017").resolve() == (data / "gbt4754-2017").resolve()


def test_a_csv_saved_in_gbk_imports_like_utf8(tmp_path):
    path = tmp_path / "nbs-gbk.csv"
    path.write_bytes("国民经济行业代码,国民经济行业名称,国际专利分类\n3841,锂离子电池制造,H01M10/0525、H01M4/13\n"
                     .encode("gbk"))
    result = importers.import_file(path)
    assert {(r.ipc_pattern, r.target_code) for r in result.rows} == {("H01M10/0525", "3841"), ("H01M4/13", "3841")}
    assert result.names["3841"] == "锂离子电池制造"


def test_a_damaged_file_is_reported_by_name_and_the_others_still_import(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    nbs_2018_xlsx(folder / "nbs.xlsx")
    (folder / "broken.xlsx").write_bytes(b"not a workbook")
    (folder / "broken.docx").write_bytes(b"not a document")
    (folder / "参照关系表.xls").write_bytes(b"\xd0\xcf\x11\xe0 old binary workbook")
    records = {r["file"]: r for r in datasets.add(folder, tmp_path / "ws")}
    assert not records["参照关系表.xls"]["imported"] and "save it as .xlsx" in records["参照关系表.xls"]["error"]
    assert records["nbs.xlsx"]["imported"] and records["nbs.xlsx"]["rows"] == 8
    assert not records["broken.xlsx"]["imported"] and "cannot be read as a .xlsx file" in records["broken.xlsx"]["error"]
    assert not records["broken.docx"]["imported"] and "broken.docx" in records["broken.docx"]["error"]


def test_a_concordance_in_panhuos_row_format_is_pluggable(tmp_path):
    path = tmp_path / "浙江 补充 表.csv"
    path.write_text(
        "ipc_pattern,target_code,weight,source,edition,scheme,target_name\n"
        "G06Q*,6513,0.7,derived:zj-team,2024,,应用软件开发\n"
        "G06Q*,6450,0.3,derived:zj-team,2024,gbt4754,\n"
        "H01M10/0525,3841,,,,,锂离子电池制造\n"
        "G06V,6,1,official:my-wipo,2024,wipo,\n"
        "G16H,5.1,1,official:x,,sei,\n"
        "ZZ99,3841,1,official:x,,,\n"
        "H01M,38x,1,official:x,,,\n"
        "H01M,38,-2,official:x,,,\n"
        "H01M,38,1,reviewer:王,,,\n"
        "H01M,38,1,official:x,,naics,\n", encoding="utf-8")
    result = importers.import_file(path)
    assert result.kind == "user-浙江-补充-表"
    rows = {(r.ipc_pattern, r.target_code): r for r in result.rows}
    assert set(rows) == {("G06Q*", "6513"), ("G06Q*", "6450"), ("H01M10/0525", "3841"), ("G06V", "6"),
                         ("G16H", "5.1")}
    assert rows[("H01M10/0525", "3841")].source == "official:user-浙江-补充-表" and rows[("G06V", "6")].scheme == "wipo"
    assert rows[("G06Q*", "6513")].weight == 0.7 and result.names["6513"] == "应用软件开发"
    problems = " | ".join(result.errors)
    for reason in ("'ZZ99' is not an IPC pattern", "'38x' is not a gbt4754 code", "weight '-2'",
                   "source 'reviewer:王' must start with", "scheme 'naics'"):
        assert reason in problems
    assert len(result.errors) == 5


def test_user_rows_join_the_catalog_by_their_sources_rank(tmp_path):
    from panhuo.taxonomy.catalog import build

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "mine.csv").write_text("ipc_pattern,target_code,weight,source,scheme\nG06Q,6513,1,derived:t,\n"
                                     "H01M10/0525,3841,1,official:t,\nG06V,6,1,official:t,wipo\n", encoding="utf-8")
    workspace = tmp_path / "ws"
    assert datasets.add(folder, workspace)[0]["table"] == "user-mine"
    cat = build(tmp_path / "no-data", workspace)
    assert [(m.target, m.source) for m in cat.industries_for(["H01M10/0525"])] == [("3841", "official:t")]
    assert [m.target for m in cat.industries_for(["G06Q10/06"])] == ["6513"]
    assert [(m.target, m.source) for m in cat.wipo_fields(["G06V10/82"])] == [("6", "official:t")]
