"""Cluster files and the fit of a patent to a cluster (pure)."""

import pytest

from panhuo.taxonomy import clusters

DOC = {"set": "t", "region": "330000", "maintained_by": "user",
       "clusters": [{"id": "bat", "name": "电池", "industries": ["3841"], "ipc": ["H01M"], "keywords": ["电池"]},
                    {"id": "med", "name": "医药", "industries": ["27"], "ipc": ["A61K"]}]}


@pytest.fixture
def parsed():
    return clusters.parse_clusters(DOC, "test.yaml")


@pytest.mark.parametrize(
    "industries, ipc_codes, text, expected",
    [
        ([("3841", 1.0)], ["H01M10/0525"], "一种锂电池", 1.0),  # industry + IPC + keyword
        ([("3841", 1.0)], [], "", 0.6),  # industry only
        ([("38", 1.0)], [], "", 0.3),  # coarser 大类 counts half
        ([("3849", 1.0)], ["H01M4/13"], "", 0.25),  # other 小类, IPC only
        ([], [], "电池管理", 0.15),  # keyword only
        ([("27", 1.0)], ["A61K36/00"], "电池", 0.15),
    ],
)
def test_fit_combines_industry_ipc_and_keyword_evidence(parsed, industries, ipc_codes, text, expected):
    assert clusters.fit(parsed[0], industries=industries, ipc_codes=ipc_codes, text=text) == pytest.approx(expected)


def test_fits_are_sorted_and_zero_fits_left_out(parsed):
    result = clusters.fits(parsed, industries=[("2761", 1.0)], ipc_codes=["A61K39/00"])
    assert result == [("med", pytest.approx(0.85))]


@pytest.mark.parametrize(
    "change, message",
    [({"region": None}, "missing 'region'"), ({"clusters": [{"id": "x"}]}, "needs an id and a name"),
     ({"clusters": [{"id": "x", "name": "y", "ipc": ["ZZ"]}]}, "not an IPC pattern")],
)
def test_bad_cluster_files_are_refused_with_the_reason(change, message):
    doc = {k: v for k, v in {**DOC, **change}.items() if v is not None}
    with pytest.raises(clusters.ClusterFileError, match=message):
        clusters.parse_clusters(doc, "bad.yaml")


def test_shipped_examples_are_marked_as_maintained_by_the_user():
    loaded = clusters.load_clusters()
    assert {c.set_id for c in loaded} >= {"zj-415x", "sd-chains"}
    assert all(c.maintained_by == "user" for c in loaded)
    assert {c.region for c in loaded} >= {"330000", "370000"}


def test_a_workspace_file_replaces_the_shipped_set(tmp_path):
    (tmp_path / "mine.yaml").write_text("set: zj-415x\nregion: '330100'\nclusters:\n  - {id: hz, name: 杭州}\n",
                                        encoding="utf-8")
    loaded = clusters.load_clusters(tmp_path)
    assert [c.id for c in loaded if c.set_id == "zj-415x"] == ["hz"]


@pytest.mark.parametrize(
    "text, message",
    [("set: x\nregion: [unclosed\n", "not valid YAML at line 3"), ("- a\n- b\n", "expected a mapping"),
     ("set: x\nregion: '330000'\nclusters:\n  - {id: y}\n", "needs an id and a name")],
)
def test_a_broken_workspace_cluster_file_is_refused_with_its_path_and_reason(tmp_path, text, message):
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(clusters.ClusterFileError, match=message) as err:
        clusters.load_clusters(tmp_path)
    assert "mine.yaml" in str(err.value)
