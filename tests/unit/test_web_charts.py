"""SVG charts are well-formed and escape labels."""

import xml.etree.ElementTree as ET

import pytest

from panhuo.web import charts


@pytest.mark.parametrize("data", [[], [("发明", 3), ("实用新型", 1)], [("<script>", 0)], [("a", 0.5)]])
def test_bar_chart_is_valid_svg(data):
    svg = charts.bar_chart(data, title="分布 & more")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) == len(data)
    assert "<script>" not in svg


@pytest.mark.parametrize("rate,label", [(None, "—"), (0.0, "0%"), (0.756, "76%"), (1.4, "100%")])
def test_progress_bar_label(rate, label):
    svg = charts.progress_bar(rate)
    ET.fromstring(svg)
    assert f">{label}</text>" in svg
