"""The indicator tree loads, validates, and rejects malformed trees with a message naming the node."""

import copy

import pytest
import yaml

from panhuo.valuation.indicators import INDICATORS
from panhuo.valuation.tree import DEFAULT_TREE, TreeError, load_tree, parse_tree

SEED = yaml.safe_load(DEFAULT_TREE.read_text(encoding="utf-8"))
SCENARIOS = ("许可转让", "金融质押", "分级管理", "开放许可定价")


def test_seed_tree_has_three_dimensions_fourteen_indicators_and_every_scenario():
    tree = load_tree(known_inputs=set(INDICATORS))
    assert [d.id for d in tree.dimensions] == ["legal", "technical", "economic"]
    assert len(tree.indicators()) == 14
    assert len(tree.leaves()) >= 27
    assert set(tree.scenarios) == set(SCENARIOS)


def test_every_leaf_has_names_measure_source_and_weight_provenance():
    tree = load_tree()
    for leaf in tree.leaves():
        assert leaf.zh and leaf.en and leaf.measure and leaf.weight_provenance
        assert leaf.source in tree.data_sources


def test_tree_digest_changes_when_a_weight_changes():
    raw = copy.deepcopy(SEED)
    raw["dimensions"][0]["indicators"][0]["subindicators"][0]["normalisation"]["if_true"] = 95
    assert parse_tree(raw).digest != parse_tree(SEED).digest


def _legal(raw):
    return raw["dimensions"][0]


def _leaf(raw):
    return raw["dimensions"][0]["indicators"][0]["subindicators"][0]


def _break(edit):
    raw = copy.deepcopy(SEED)
    edit(raw)
    return raw


BROKEN = [
    ("not a mapping", lambda r: r.clear() or r.update({"x": 1}), "missing top-level key 'id'"),
    ("dimension weights", lambda r: _legal(r)["weights"].update({"分级管理": 0.5}),
     "tree (dimensions): weights for 分级管理 sum to 1.15, not 1"),
    ("leaf weights", lambda r: _leaf(r)["weights"].update({"金融质押": 0.9}),
     "indicator 'legal.stability': weights for 金融质押 sum to 1.5, not 1"),
    ("missing scenario", lambda r: _leaf(r)["weights"].pop("开放许可定价"),
     "subindicator 'legal.stability.challenges': no weight for scenario(s) 开放许可定价"),
    ("unknown scenario", lambda r: _leaf(r)["weights"].update({"侵权救济": 0}),
     "subindicator 'legal.stability.challenges': weight for unknown scenario(s) 侵权救济"),
    ("negative weight", lambda r: _leaf(r)["weights"].update({"许可转让": -0.1}),
     "subindicator 'legal.stability.challenges': weight for 许可转让 must be a number in 0–1"),
    ("duplicate id", lambda r: _legal(r)["indicators"][1].update({"id": "legal.stability"}),
     "indicator 'legal.stability': duplicate id"),
    ("unknown source", lambda r: _leaf(r).update({"source": "rumour"}),
     "subindicator 'legal.stability.challenges': unknown data source 'rumour'"),
    ("undeclared source", lambda r: r["data_sources"].update({"gossip": {"reliability": 0.5}}),
     "data source 'gossip': unknown"),
    ("bad reliability", lambda r: r["data_sources"]["expert"].update({"reliability": 1.5}),
     "data source 'expert': reliability must be a number in (0, 1]"),
    ("bad scale", lambda r: _leaf(r).update({"scale": {"min": 5, "max": 1}}),
     "subindicator 'legal.stability.challenges': scale must have numeric min < max"),
    ("unknown normalisation", lambda r: _leaf(r).update({"normalisation": {"kind": "sigmoid"}}),
     "subindicator 'legal.stability.challenges': normalisation kind must be one of"),
    ("linear without best", lambda r: _leaf(r).update({"normalisation": {"kind": "linear", "worst": 0}}),
     "subindicator 'legal.stability.challenges': linear normalisation needs 'best'"),
    ("boolean out of range", lambda r: _leaf(r)["normalisation"].update({"if_true": 150}),
     "subindicator 'legal.stability.challenges': boolean normalisation scores must lie in 0–100"),
    ("missing name", lambda r: _legal(r).pop("en"), "dimension 'legal': missing 'en' name"),
    ("missing provenance", lambda r: _leaf(r).pop("weight_provenance"),
     "subindicator 'legal.stability.challenges': missing 'weight_provenance'"),
    ("no children", lambda r: _legal(r).update({"indicators": []}),
     "dimension 'legal': needs a non-empty 'indicators' list"),
    ("unknown input", lambda r: _leaf(r).update({"input": "h_index"}),
     "subindicator 'legal.stability.challenges': input 'h_index' is not an indicator Panhuo computes"),
    ("no id", lambda r: _leaf(r).pop("id"), "indicator 'legal.stability': a subindicator has no id"),
]


@pytest.mark.parametrize("name,edit,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_malformed_tree_is_rejected_with_a_clear_message(name, edit, message):
    with pytest.raises(TreeError) as err:
        parse_tree(_break(edit), known_inputs=set(INDICATORS))
    assert message in str(err.value)


def test_user_tree_file_is_loaded_and_bad_yaml_reported(tmp_path):
    good = tmp_path / "mine.yaml"
    raw = copy.deepcopy(SEED)
    raw["id"], raw["version"] = "my-uni", "7"
    good.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load_tree(good).label == "my-uni@7"
    bad = tmp_path / "bad.yaml"
    bad.write_text("dimensions: [\n", encoding="utf-8")
    with pytest.raises(TreeError, match="bad.yaml: not valid YAML"):
        load_tree(bad)
    with pytest.raises(TreeError, match="cannot read tree file"):
        load_tree(tmp_path / "absent.yaml")
