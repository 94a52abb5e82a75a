"""Concordance patterns, source precedence and weights (pure)."""

import pytest

from panhuo.taxonomy.concordance import Concordance, ConcordanceRow, compile_pattern


@pytest.mark.parametrize(
    "pattern, code, matches",
    [
        ("H01M", "H01M10/0525", True),
        ("H01M10", "H01M10/0525", True),
        ("H01M10/00", "H01M10/0525", True),
        ("H01M10/00", "H01M100/00", False),
        ("G06F40*", "G06F40/30", True),
        ("A61B5/0476", "A61B5/0476", True),
        ("A61B5/0476", "A61B5/04761", False),
        ("A61B5/04*", "A61B5/0476", True),
        ("H04N   5/%", "H04N5/222", True),
        ("H01", "H01M4/13", True),
    ],
)
def test_pattern_matching(pattern, code, matches):
    assert compile_pattern(pattern).matches(code) is matches


def _rows():
    return [
        ConcordanceRow("H01M", "38", 0.6, "derived:x"),
        ConcordanceRow("H01M", "39", 0.4, "derived:x"),
        ConcordanceRow("H01M10/00", "3841", 1.0, "official:nbs-2018"),
        ConcordanceRow("H01M4", "3841", 1.0, "text:y"),
        ConcordanceRow("H01M4", "3849", 1.0, "reviewer:王"),
    ]


def test_official_rows_take_precedence_over_derived_ones():
    result = Concordance(_rows()).lookup("H01M10/0525")
    assert [(m.target, m.weight, m.source) for m in result] == [("3841", 1.0, "official:nbs-2018")]


def test_reviewer_rows_outrank_everything():
    assert [m.target for m in Concordance(_rows()).lookup("H01M4/13")] == ["3849"]


def test_derived_rows_apply_where_no_official_row_matches():
    result = Concordance(_rows()).lookup("H01M2/10")
    assert [(m.target, round(m.weight, 2)) for m in result] == [("38", 0.6), ("39", 0.4)]


def test_lookup_many_counts_the_first_symbol_double_and_sums_to_one():
    table = Concordance([ConcordanceRow("A61K", "27"), ConcordanceRow("G06F", "65")])
    result = {m.target: round(m.weight, 3) for m in table.lookup_many(["A61K36/00", "G06F16/00"])}
    assert result == {"27": 0.667, "65": 0.333}


def test_bad_patterns_are_collected_not_raised():
    table = Concordance([ConcordanceRow("XX99", "1"), ConcordanceRow("H01M", "38")])
    assert table.size == 1 and "XX99" in table.errors[0]


def test_unknown_and_invalid_codes_map_to_nothing():
    table = Concordance(_rows())
    assert table.lookup("A01B1/00") == [] and table.lookup("nonsense") == []


def test_reverse_lookup_from_an_industry_to_ipc_patterns():
    from pathlib import Path

    from panhuo.taxonomy.catalog import Catalog
    from panhuo.taxonomy.reference import Industry

    industries = {c: Industry(c, 4, c, "", c[:3], "C") for c in ("3841", "3842", "3843", "3849")}
    cat = Catalog(data_dir=Path("/nonexistent"), workspace=None, industries=industries, gbt=Concordance([
        ConcordanceRow("H01M10", "3841", 1.0, "official:t"), ConcordanceRow("H01M6", "3849", 1.0, "official:t"),
        ConcordanceRow("A47B", "38", 1.0, "derived:t"), ConcordanceRow("A61K", "27", 1.0, "derived:t")]))
    ranked = [(m.target, round(m.weight, 3)) for m in cat.ipc_for_industry("3841")]
    assert ranked == [("H01M10", 1.0), ("H01M6", 0.3), ("A47B", 0.25)]  # exact, sibling 小类, 大类 over 4 小类
    assert [m.target for m in cat.ipc_for_industry("384")] == ["H01M10", "H01M6", "A47B"]


def test_other_tags_sum_the_weight_of_the_industries_carrying_them():
    from panhuo.taxonomy.catalog import Catalog
    from panhuo.taxonomy.concordance import Mapping
    from panhuo.taxonomy.reference import IndustryTags

    cat = Catalog(data_dir=None, workspace=None, tags={"3911": IndustryTags(other=["highTech_mfg", "digital"]),
                                                       "6513": IndustryTags(other=["digital"])})
    tags = cat.other_tags_for([Mapping("3911", 0.6, "", ""), Mapping("6513", 0.3, "", ""), Mapping("27", 0.1, "", "")])
    assert [(m.target, m.weight) for m in tags] == [("digital", 0.9), ("highTech_mfg", 0.6)]


def test_with_subclass_frequencies_the_reverse_lookup_ranks_common_subclasses_first():
    from pathlib import Path

    from panhuo.taxonomy.catalog import Catalog

    cat = Catalog(data_dir=Path("/nonexistent"), workspace=None, gbt=Concordance([
        ConcordanceRow("A47B", "38", 1.0, "derived:t"), ConcordanceRow("H01M", "38", 0.7, "derived:t"),
        ConcordanceRow("H01M", "26", 0.3, "derived:t")]), ipc_prior={"H01M": 99, "A47B": 4})
    ranked = [(m.target, round(m.weight, 3)) for m in cat.ipc_for_industry("38")]
    assert ranked == [("H01M", round(70 / 75, 3)), ("A47B", round(5 / 75, 3))]  # 0.7×100 vs 1.0×5, summing to 1
