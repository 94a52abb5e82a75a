"""Text analysis: normalisation, segmentation terms, stop words, English stemming (pure)."""

import pytest

from panhuo.search.text import Analyzer, normalize

analyzer = Analyzer()


@pytest.mark.parametrize("raw,expected", [
    ("ＡＢＣ１２３", "ABC123"),  # full-width letters and digits
    ("本發明公開了一種鋰離子電池", "本发明公开了一种锂离子电池"),  # traditional → simplified
    ("温度为２５℃，压力（ＭＰａ）", "温度为25°C,压力(MPa)"),  # full-width punctuation and units
    ("  多个\t空格\n换行  ", "多个 空格 换行"),
    ("", ""),
    (None, ""),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("text,present,absent", [
    ("本发明公开了一种锂离子电池的制备方法", {"锂离子", "电池", "制备"}, {"本发明", "公开", "一种", "的"}),
    ("所述壳体上设置有散热片，其特征在于", {"壳体", "散热片"}, {"所述", "设置有", "其特征在于", "特征"}),
    ("Lithium-ion batteries with PID controllers", {"lithium", "batteri", "pid", "control"}, {"with", "the"}),
    ("采用LiFePO4正极和石墨负极", {"lifepo4", "正极", "石墨", "负极"}, {"采用", "和"}),
    ("鋰電池熱管理", {"电池", "管理"}, {"鋰", "電池"}),
    ("温度为25℃，重量10kg", {"温度", "重量"}, {"25", "10"}),
])
def test_terms_keep_technical_words_and_drop_boilerplate(text, present, absent):
    terms = set(analyzer.terms(text))
    assert present <= terms and not (absent & terms)


def test_search_mode_adds_sub_words_of_long_words():
    assert {"离子", "锂离子"} <= set(analyzer.terms("锂离子电池", search=True))
    assert "离子" not in analyzer.terms("锂离子电池", search=False)


def test_domain_words_join_segments():
    local = Analyzer(["卷扬装置"])
    assert "卷扬装置" in local.segment("一种卷扬装置")
    assert local.dictionary_size == 1 and local.add_words(["卷扬装置", "x"]) == 0
