"""The classifier as the service serves it (`panhuo classify`, library build): the neighbour vote's embedder
sees the same kind of text at prediction as at training — simplified Chinese, bounded length — so traditional
characters and very long texts are classified like their simplified, shorter forms.  A tiny model, real embedder."""

import pytest

from panhuo.search.dense import get_embedder
from panhuo.taxonomy import classifier, service

TITLES = ["一种锂离子电池正极材料", "锂电池负极及其制备方法", "一种电池隔膜", "一种中药组合物及其制备方法",
          "治疗糖尿病的药物组合物", "一种基于深度学习的图像识别方法", "图像分割神经网络训练方法", "锂电池电解液"]
LABELS = [["H01M"], ["H01M"], ["H01M"], ["A61K", "A61P"], ["A61K", "A61P"], ["G06V", "G06N"], ["G06T", "G06N"],
          ["H01M"]]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A model trained as `taxonomy train` does, saved in a workspace and loaded back through the service."""
    workspace = tmp_path_factory.mktemp("ws")
    model = classifier.fit(TITLES, LABELS, [], embed=service.vote_embed(get_embedder()), min_df=1,
                           scheme_min_df=1, threads=1)
    classifier.save(model, service.model_path(workspace))
    return service.load_model(workspace)


def test_traditional_characters_are_classified_like_simplified_ones(served):
    traditional, simplified = "鋰離子電池負極材料及其製備方法", "锂离子电池负极材料及其制备方法"
    assert (served.embed([traditional]) == served.embed([simplified])).all()  # the vote sees the same text
    assert served.predict(traditional, 5) == served.predict(simplified, 5)


def test_a_very_long_text_is_embedded_from_its_start_only(served):
    start = "一种基于深度学习的图像识别方法，"
    text = start * (service.EMBED_CHARS // len(start) + 50)
    assert (served.embed([text]) == served.embed([text[:service.EMBED_CHARS]])).all()
    ranked = served.predict(text, 3)
    assert ranked and ranked[0][0] in {"G06V", "G06N", "G06T"}


@pytest.mark.parametrize("damage", ["truncated", "bad-pickle"])
def test_a_damaged_model_file_says_to_train_again(tmp_path, served, damage):
    import numpy as np
    from typer.testing import CliRunner

    from panhuo.cli import app

    path = service.model_path(tmp_path)
    classifier.save(served, path)
    if damage == "truncated":  # e.g. copied while being written
        path.write_bytes(path.read_bytes()[:1000])
    else:  # e.g. the reranker pickled by another scikit-learn
        with np.load(path) as z:
            arrays = dict(z)
        arrays["estimator"] = np.frombuffer(b"\x80\x04broken", dtype=np.uint8)
        np.savez_compressed(path, **arrays)
    with pytest.raises(service.ModelMissing, match="cannot be read.*panhuo taxonomy train"):
        service.load_model(tmp_path)
    out = CliRunner().invoke(app, ["-w", str(tmp_path), "classify", "锂电池"])
    assert out.exit_code == 1 and "cannot be read" in out.output
