"""Text features, the two-stage classifier (SVMs, reranker evidence, neighbour votes, set threshold), set
prediction and metrics, on hand-written examples.  The sentence embedder is the real one (no download)."""

import numpy as np
import pytest

from panhuo.search.dense import get_embedder
from panhuo.taxonomy import classifier
from panhuo.taxonomy.textvec import SparseRows, Tfidf, tokens

TITLES = ["一种锂离子电池正极材料", "锂电池负极及其制备方法", "一种电池隔膜", "一种中药组合物及其制备方法",
          "治疗糖尿病的药物组合物", "一种基于深度学习的图像识别方法", "图像分割神经网络训练方法"]
LABELS = [["H01M"], ["H01M"], ["H01M"], ["A61K", "A61P"], ["A61K", "A61P"], ["G06V", "G06N"], ["G06T", "G06N"]]
IPC_DOCS = [("H01M", "用于直接转变化学能为电能的方法或装置，例如电池组"), ("H01M", "Batteries; secondary cells"),
            ("A61K", "医用、牙科用或梳妆用的配制品"), ("A61K", "Medicinal preparations"),
            ("F03D", "风力发动机"), ("F03D", "Wind motors")]


@pytest.fixture(scope="module")
def model():
    return classifier.fit(TITLES, LABELS, IPC_DOCS, embed=get_embedder().embed, min_df=1, scheme_min_df=1, threads=1)


def test_tokens_mix_words_character_ngrams_and_english_stems():
    feats = tokens("锂离子电池 batteries")
    assert "w:锂离子电池" in feats or "w:锂离子" in feats
    assert "c:电池" in feats and "e:batteri" in feats


def test_sparse_rows_dot_equals_dense_product():
    model = Tfidf.fit([tokens(t) for t in TITLES])
    vectors = [model.vector(tokens(t)) for t in TITLES]
    dense = np.zeros((len(TITLES), len(model.vocab)), dtype=np.float32)
    for r, (i, v) in enumerate(vectors):
        dense[r, i] = v
    idx, val = model.vector(tokens("锂电池正极"))
    query = np.zeros(len(model.vocab), dtype=np.float32)
    query[idx] = val
    assert np.allclose(SparseRows(vectors, len(model.vocab)).dot(idx, val), dense @ query, atol=1e-6)


def _stage1_top(model, text, k=2):
    return [model.labels[j] for j in np.argsort(-model.margins(text))[:k]]


@pytest.mark.parametrize(
    "text, expected",
    [("磷酸铁锂电池正极", "H01M"), ("中药组合物", "A61K"), ("风力发动机叶片", "F03D"), ("wind motors blade", "F03D"),
     ("基于神经网络的图像识别", "G06N")],
)
def test_stage_one_puts_the_obvious_subclass_at_the_top(model, text, expected):
    assert expected in _stage1_top(model, text)


def test_text_without_known_features_predicts_nothing(model):
    assert model.predict("zzzz qqqq", 3) == [] and model.predict_set("zzzz qqqq") == []
    assert model.margins("") is None


@pytest.mark.parametrize("text", ["磷酸铁锂电池正极", "wind motors blade", "中药组合物", "图像识别"])
def test_predictions_are_probabilities_of_stage_one_candidates_most_probable_first(model, text):
    ranked = model.predict(text, 5)
    scores = [s for _, s in ranked]
    assert len(ranked) == 5 and all(0.0 <= s <= 1.0 for s in scores) and scores == sorted(scores, reverse=True)
    assert {c for c, _ in ranked} <= set(_stage1_top(model, text, classifier.CANDIDATES))


def test_predict_many_equals_one_at_a_time(model):
    texts = ["锂电池", "zzzz", "中药组合物", "wind motors"]
    assert model.predict_many(texts, 3) == [model.predict(t, 3) for t in texts]


def test_a_model_without_its_embedder_says_so(model, tmp_path):
    loaded = classifier.load(classifier.save(model, tmp_path / "m.npz"))
    with pytest.raises(RuntimeError, match="embedder"):
        loaded.predict("锂电池")


def test_candidate_features_carry_rank_gaps_cooccurrence_and_votes():
    labels = ["A61K", "A61P", "H01M"]
    stats = classifier.LabelStats.of(labels, [[0, 1], [0, 1], [0], [2]])
    margins = np.array([0.8, 0.2, -0.6])
    vote = np.array([0.0, 0.5, 1.5])
    top = classifier._top(margins, 3)
    x = classifier.candidate_features(margins, top, vote, stats, "中药组合物及其应用")
    assert x.shape == (3, classifier.N_FEATURES) and list(top) == [0, 1, 2]
    assert list(x[:, 1]) == [0, 1, 2]  # rank
    assert x[1, 2] == pytest.approx(-0.6) and x[0, 3] == pytest.approx(-0.6)  # gap to the best; best's lead
    assert x[1, 5] == pytest.approx(2 / 3) and x[2, 5] == 0.0  # share of A61K titles that are also A61P
    assert x[2, 15] == pytest.approx(0.75)  # H01M's share of the neighbour vote
    assert x[1, 9] == 1.0 and x[2, 8] == 0.0  # A61P: same class (A61) as the best; H01M: another section
    assert x[0, 11] == 1  # one conjunction (及) in the title


def test_neighbour_votes_weight_by_cosine_cubed_and_can_leave_a_title_out():
    vectors = np.eye(3, dtype=np.float32)
    vectors[2] = [0.6, 0.8, 0.0]
    reranker = classifier.Reranker(None, vectors, np.array([0, 1, 2, 3]), np.array([0, 1, 1]),
                                   classifier.LabelStats.of(["A", "B"], [[0], [1], [1]]))
    votes = reranker.votes(np.array([[1.0, 0.0, 0.0]], dtype=np.float32))
    assert votes[0, 0] == pytest.approx(1.0) and votes[0, 1] == pytest.approx(0.6 ** 3)
    left_out = reranker.votes(vectors[:1], exclude=np.array([0]))
    assert left_out[0, 0] == 0.0 and left_out[0, 1] == pytest.approx(0.6 ** 3)


def test_the_set_threshold_maximises_micro_f1_of_best_plus_others():
    # two texts, three candidates each; the second candidate of text 0 is right with p 0.6, wrong ones ≤ 0.3
    p = np.array([0.9, 0.6, 0.3, 0.8, 0.2, 0.1])
    y = np.array([True, True, False, True, False, False])
    owner = np.array([0, 0, 0, 1, 1, 1])
    t = classifier._best_threshold(p, y, owner, [2, 1])
    assert 0.3 < t <= 0.6


def test_training_on_degenerate_data_falls_back_to_the_margin():
    model = classifier.fit(["锂电池", "锂电池正极"], [["H01M"], ["H01M"]], [], embed=get_embedder().embed,
                           min_df=1, scheme_min_df=1, threads=1)
    assert isinstance(model.reranker.estimator, classifier._MarginOnly)
    assert model.predict("锂电池", 1)[0][0] == "H01M"


def test_features_are_character_ngrams_and_english_stems():
    feats = classifier.features("鋰電池 Batteries")  # traditional characters are simplified first
    assert {"c:锂", "c:锂电", "c:锂电池", "e:batteri"} <= set(feats) and not any(f.startswith("w:") for f in feats)


def test_the_feature_space_is_the_titles_plus_what_only_the_scheme_holds(model):
    vocab = model.svm.tfidf.vocab
    assert "c:电池" in vocab and "e:wind" in vocab
    assert "c:风力" in vocab and vocab["c:风力"] >= len(set().union(*map(classifier.features, TITLES)))  # scheme-only


@pytest.mark.parametrize(
    "ranked, threshold, expected",
    [([("A", 0.9), ("B", 0.5), ("C", 0.1)], 0.3, ["A", "B"]),
     ([("A", 0.1), ("B", 0.05)], 0.3, ["A"]),  # the best label is always kept
     ([("A", 0.9), ("B", 0.8), ("C", 0.7), ("D", 0.6)], 0.3, ["A", "B", "C"]),  # at most MAX_SET
     ([], 0.3, [])],
)
def test_choose_set(ranked, threshold, expected):
    assert classifier.choose_set(ranked, threshold) == expected


def test_a_subclass_known_only_from_the_scheme_can_be_predicted(model):
    assert "F03D" in model.labels and _stage1_top(model, "风力发动机", 1) == ["F03D"]


def test_loading_a_model_of_another_format_says_to_retrain(tmp_path):
    path = tmp_path / "old.npz"
    np.savez(path, header=np.frombuffer(b'{"format": 1}', dtype=np.uint8))
    with pytest.raises(classifier.ModelFormatError, match="panhuo taxonomy train"):
        classifier.load(path)


def test_save_and_load_give_the_same_predictions(model, tmp_path):
    loaded = classifier.load(classifier.save(model, tmp_path / "m.npz"), get_embedder().embed)
    assert loaded.threshold == model.threshold
    for text in ("锂电池", "中药", "wind motors"):
        assert loaded.predict(text, 3) == model.predict(text, 3)
    assert loaded.labels == model.labels and loaded.meta["format"] == classifier.FORMAT


def test_split_is_fixed_by_the_seed_and_disjoint():
    a_train, a_test = classifier.split(100, seed=1)
    b_train, b_test = classifier.split(100, seed=1)
    assert (a_train == b_train).all() and (a_test == b_test).all()
    assert not set(a_train) & set(a_test) and len(a_test) == 20


def test_micro_metrics_at_k():
    predicted = [["A", "B", "C"], ["D", "E", "F"]]
    gold = [["A", "C"], ["X"]]
    at1 = classifier.metrics(predicted, gold, 1)
    at3 = classifier.metrics(predicted, gold, 3)
    assert at1["precision"] == 0.5 and at1["recall"] == pytest.approx(1 / 3) and at1["accuracy"] == 0.5
    assert at3["precision"] == pytest.approx(2 / 6) and at3["recall"] == pytest.approx(2 / 3)
    assert at3["f1"] == pytest.approx(2 * (1 / 3) * (2 / 3) / (1 / 3 + 2 / 3))
