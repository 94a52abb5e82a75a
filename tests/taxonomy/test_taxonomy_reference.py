"""Lookups and every mapping path on real codes (need the reference sets; skipped without them)."""

import json

import pytest
from typer.testing import CliRunner

from panhuo.cli import app
from panhuo.taxonomy import reference, service
from panhuo.taxonomy.catalog import get_catalog


@pytest.fixture
def cat(require_data):
    for name in ("ipc-zh-2026", "ipc-en-wipo", "gbt4754-2017", "gbt4754-industry-tags", "wipo-ipc-tech-concordance",
                 "fraunhofer-nace-ipc-concordance"):
        require_data(name)
    return get_catalog()


@pytest.mark.parametrize(
    "code, zh, en",
    [("H01M 10/0525", "锂离子电池", "lithium"), ("H01M", "电池组", "BATTERIES"), ("H01", "电气元件", "ELECTRIC"),
     ("H", "电学", "ELECTRICITY"), ("A01B0001020000", "锹", "Spades")],
)
def test_titles_at_every_level_in_both_languages(require_data, code, zh, en):
    require_data("ipc-zh-2026"), require_data("ipc-en-wipo")
    assert zh in reference.ipc_title(code, "zh") and en in reference.ipc_title(code, "en")


def test_h10_exists_in_2026_and_h01l_only_in_the_older_english_edition(require_data):
    require_data("ipc-zh-2026"), require_data("ipc-en-wipo")
    info = service.ipc_info("H01L 31/04")
    assert info["hierarchy"][0]["title_zh"] is None and "photovoltaic" in info["hierarchy"][0]["title_en"]
    assert info["moved"]["to"] == ["H10F"]
    assert reference.ipc_title("H10F", "zh")


@pytest.mark.parametrize(
    "codes, field",
    [(["H01M10/0525"], 1), (["H04N5/222"], 2), (["G06V10/82"], 6), (["H10K50/00"], 8), (["A61K36/00"], 16),
     (["C12N15/00"], 15), (["B65G47/00"], 25)],
)
def test_wipo_fields_including_the_g06v_and_h10_additions(cat, codes, field):
    assert service.wipo_fields_for_ipc(codes, cat=cat)[0]["field"] == field


@pytest.mark.parametrize(
    "codes, expected_prefix",
    [(["H01M10/0525"], "38"), (["A61K36/00"], "27"), (["B65G47/00"], "34"), (["H04L9/40"], "39"),
     (["A01B1/00"], "357"), (["H10K50/00"], "39")],
)
def test_interim_industry_mapping_on_real_codes(cat, codes, expected_prefix):
    industries = service.industries_for_ipc(codes, cat=cat)
    assert industries and industries[0]["code"].startswith(expected_prefix)
    assert industries[0]["source"].split(":")[0] in ("derived", "text")
    assert abs(sum(i["weight"] for i in service.industries_for_ipc(codes, top=50, cat=cat)) - 1) < 1e-3


def test_sei_and_patent_dense_flags_come_through_the_industry_tags(cat):
    result = service.classify_ipc(["H04L9/40"], cat=cat)
    assert result["ip_dense"][0]["category"] == "信息通信技术制造业"
    assert result["sei"] and result["sei"][0]["source"].startswith("derived:")


def test_other_statistical_tags_come_through_the_industry_tags(cat):
    tags = {t["tag"]: t for t in service.classify_ipc(["G06F17/30"], cat=cat)["other_tags"]}
    assert {"highTech_mfg", "digital"} <= set(tags) and tags["digital"]["name"].startswith("数字经济")
    assert 0 < tags["highTech_mfg"]["weight"] <= 1 and tags["digital"]["source"] == "derived:gbt4754-industry-tags"


def test_coverage_on_the_real_titles(cat, require_data):
    require_data("cn-patent-titles-ipc")
    from panhuo.taxonomy.coverage import coverage

    result = coverage(cat)
    assert result["patents_mapped"] >= 0.95 and result["subclasses_mapped"] >= 0.95
    assert result["patents_mapped_to_xiaolei"] >= 0.5


def test_cli_map_and_ipc_commands(cat, tmp_path):
    runner = CliRunner()
    out = runner.invoke(app, ["-w", str(tmp_path), "taxonomy", "map", "H01M10/0525", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["wipo"][0]["field"] == 1
    shown = runner.invoke(app, ["-w", str(tmp_path), "taxonomy", "ipc", "H01M0010052500"])
    assert "H01M 10/0525" in shown.stdout and "锂离子电池" in shown.stdout


def test_classify_json_lines_end_to_end_keeps_good_lines_after_a_bad_one(cat, trained_workspace):
    tmp_path, trained = trained_workspace
    runner = CliRunner()
    assert trained["test_metrics"]["@3"]["accuracy"] > 0.5  # far above chance over ~460 subclasses
    lines = ('{"id":"a","text":"一种锂离子电池正极材料及其制备方法"}\nnot json\n{"id":"c","text":3}\n'
             '{"id":"b","text":"一种中药组合物"}\n')
    out = runner.invoke(app, ["-w", str(tmp_path), "classify", "--json"], input=lines)
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert out.exit_code == 0 and [r.get("id") for r in records] == ["a", None, "c", "b"]
    assert records[0]["ipc"][0][0] == "H01M" and records[1]["line"] == 2 and "not valid JSON" in records[1]["error"]
    assert records[2] == {"id": "c", "line": 3, "error": '"text" must be a string (got 3)'}
    records = records[:2] + records[3:]
    assert {"A61K", "A61P"} & {c for c, _ in records[2]["ipc"][:3]} and records[0]["wipo"] and records[0]["industries"]


@pytest.mark.parametrize("industry, ipc", [("3841", "H01M"), ("3921", "H04L"), ("27", "A61K")])
def test_industries_lead_back_to_their_ipc_subclasses(cat, industry, ipc):
    assert ipc in [r["ipc"] for r in service.ipc_for_industries([industry], top=5, cat=cat)]


@pytest.mark.parametrize(
    "code, first, contains, count_at_least",
    [("H", "H01", "H10", 6), ("H01", "H01B", "H01M", 10), ("H01M", "H01M2/00", "H01M10/00", 5),
     ("H01M 10/00", "H01M10/02", "H01M10/0525", 50), ("G06V", "G06V10/00", "G06V40/00", 4)],
)
def test_children_in_scheme_order(require_data, code, first, contains, count_at_least):
    require_data("ipc-zh-2026"), require_data("ipc-en-wipo")
    children = reference.ipc_children(code)
    assert children[0] == first and contains in children and len(children) >= count_at_least
    assert reference.ipc_children("H01M10/0525") == [] and reference.ipc_children("not a code") == []


def test_cli_lists_children_and_marks_those_that_left_the_scheme(cat, tmp_path):
    shown = CliRunner().invoke(app, ["-w", str(tmp_path), "taxonomy", "ipc", "H01M", "--children", "3"])
    assert shown.exit_code == 0 and "children (" in shown.stdout and "… " in shown.stdout
    assert "H01M2/00" in shown.stdout and "[older edition only]" in shown.stdout  # moved to H01M50 in 2021
    info = json.loads(CliRunner().invoke(app, ["-w", str(tmp_path), "taxonomy", "ipc", "H01M10/00", "--json"]).stdout)
    kids = {c["code"]: c for c in info["children"]}
    assert "锂离子电池" in kids["H01M10/0525"]["title_zh"] and kids["H01M10/0525"]["current"] is True


def test_industry_lookup_with_hierarchy_tags_and_ipc(cat, tmp_path):
    info = service.industry_info("C3841", cat=cat)
    assert [n["code"] for n in info["hierarchy"]] == ["3841", "384", "38", "C"] and info["name"] == "锂离子电池制造"
    assert "锂离子" in info["remark"] and any(p.startswith("新能源汽车产业") for p in info["sei"])
    assert info["ipc"][0]["ipc"] == "H01M" and service.industry_info("9999", cat=cat) is None
    assert [c["code"] for c in service.industry_info("384", cat=cat)["children"]][:2] == ["3841", "3842"]
    shown = CliRunner().invoke(app, ["-w", str(tmp_path), "taxonomy", "industry", "3841"])
    assert shown.exit_code == 0 and "C 制造业 > 38 电气机械和器材制造业 > 384 电池制造 > 3841 锂离子电池制造" in shown.stdout
    wrong = CliRunner().invoke(app, ["-w", str(tmp_path), "taxonomy", "industry", "9999"])
    assert wrong.exit_code == 1 and "not a GB/T 4754-2017 code" in wrong.output
