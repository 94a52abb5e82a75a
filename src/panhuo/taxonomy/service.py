"""What other features call: IPC lookups, IPC → industries/fields, free text → fields.

No database here: the taxonomy is reference data.  Functions take an optional ``data_dir`` and
``workspace`` (defaults from :class:`panhuo.config.Settings`), degrade when a set is missing and say so in
the result (``missing``) rather than fail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from panhuo.config import DataSetMissing, Settings
from panhuo.taxonomy import classifier, editions, reference
from panhuo.taxonomy import ipc as ipc_rules
from panhuo.taxonomy.catalog import OTHER_TAGS, SEI_TOP, Catalog, get_catalog


class ModelMissing(LookupError):
    """No trained classifier in the workspace."""

    def __init__(self, path: Path, reason: str | None = None):
        super().__init__(reason or f"no trained classifier at {path}: run `panhuo taxonomy train` first")
        self.path = path


def _settings() -> Settings:
    return Settings()


def catalog(*, data_dir: Path | None = None, workspace: Path | None = None) -> Catalog:
    """The taxonomy catalog for the settings' data directory and workspace."""
    settings = _settings()
    return get_catalog(data_dir or settings.data, workspace or settings.workspace)


def ipc_info(code: str, *, data_dir: Path | None = None) -> dict:
    """Parsed forms, level, titles (zh/en) of the symbol and each ancestor, its direct children (``current``:
    in the current (Chinese) scheme, ``False`` for codes known only to the older English edition), and any
    edition move.

    Raises :class:`panhuo.taxonomy.ipc.IpcError` for a string that is not an IPC symbol.
    """
    parsed = ipc_rules.parse(code)
    data = reference.resolve(data_dir or _settings().data)
    notes = [f"reference set '{name}' missing: titles not available" for name in (reference.IPC_ZH, reference.IPC_EN)
             if not (data / name).exists()]
    chain = [{"code": a.compact, "level": a.level, "title_zh": reference.ipc_title(a.compact, "zh", data),
              "title_en": reference.ipc_title(a.compact, "en", data)} for a in parsed.ancestors()]
    move = editions.moved(parsed)
    try:
        current = reference.ipc_titles_zh(data)
    except DataSetMissing:
        current = {}
    children = [{"code": c, "title_zh": reference.ipc_title(c, "zh", data),
                 "title_en": reference.ipc_title(c, "en", data), "current": c in current if current else None}
                for c in reference.ipc_children(parsed.compact, data)]
    return {"code": parsed.compact, "display": parsed.display, "wipo14": parsed.wipo14, "level": parsed.level,
            "hierarchy": chain, "children": children,
            "moved": ({"to": list(move.to), "edition": move.edition, "note": move.note} if move else None),
            "notes": notes}


def industries_for_ipc(codes: list[str] | str, *, top: int = 5, cat: Catalog | None = None) -> list[dict]:
    """GB/T 4754 industries of IPC symbols, best first: ``[{code, name, level, weight, source}]``.

    The first symbol counts double (it is usually the main classification).  Empty when nothing maps.
    """
    cat = cat or catalog()
    codes = list(ipc_rules.split_codes(codes)) if isinstance(codes, str) else codes
    out = []
    for m in cat.industries_for(codes)[:top]:
        node = cat.industries.get(m.target)
        out.append({"code": m.target, "name": cat.industry_name(m.target), "level": node.level if node else None,
                    "weight": round(m.weight, 4), "source": m.source})
    return out


def ipc_for_industries(codes: list[str] | str, *, top: int = 10, cat: Catalog | None = None) -> list[dict]:
    """IPC patterns (mostly subclasses) that map into GB/T 4754 industries: ``[{ipc, weight, source}]``.

    For an enterprise that states its 国民经济行业 codes: which technology areas to look in.
    """
    cat = cat or catalog()
    wanted = [codes] if isinstance(codes, str) else list(codes)
    scores: dict[str, list] = {}
    for code in wanted:
        for m in cat.ipc_for_industry(code.strip()):
            entry = scores.setdefault(m.target, [0.0, m.source])
            entry[0] += m.weight
    ranked = sorted(scores.items(), key=lambda kv: -kv[1][0])[:top]
    return [{"ipc": p, "weight": round(w, 4), "source": src} for p, (w, src) in ranked]


def industry_info(code: str, *, cat: Catalog | None = None, top_ipc: int = 10) -> dict | None:
    """A GB/T 4754-2017 code (``3841`` or ``C3841``): name, 说明, the chain up to its 门类, its children, the
    SEI / 专利密集型 / other tags of its 小类 and the IPC areas that map into it; ``None`` for an unknown code
    (or when ``gbt4754-2017`` is absent — see ``cat.missing``)."""
    cat = cat or catalog()
    code = code.strip().upper()
    if len(code) > 1 and code[0].isalpha() and code[1:].isdigit():
        code = code[1:]
    node = cat.industries.get(code)
    if node is None:
        return None
    chain, parent = [], node
    while parent is not None:
        chain.append({"code": parent.code, "name": parent.name, "level": parent.level})
        parent = cat.industries.get(parent.parent) if parent.parent else None
    children = [{"code": c, "name": n.name} for c, n in sorted(cat.industries.items())
                if n.parent == code and c != code]
    leaves = [c for c, n in cat.industries.items() if n.level == 4 and c.startswith(code)] if node.level > 1 else []
    tags = [cat.tags[c] for c in leaves if c in cat.tags]
    return {"code": code, "name": node.name, "level": node.level, "remark": node.remark, "hierarchy": chain,
            "children": children,
            "sei": sorted({path for t in tags for path, _ in t.sei}),
            "ip_dense": sorted({path for t in tags for path in t.ip_dense}),
            "other_tags": sorted({OTHER_TAGS.get(k, k) for t in tags for k in t.other}),
            "ipc": ipc_for_industries([code], top=top_ipc, cat=cat)}


def wipo_fields_for_ipc(codes: list[str], *, cat: Catalog | None = None) -> list[dict]:
    """WIPO 35 technology fields of IPC symbols: ``[{field, name, weight, source}]``."""
    cat = cat or catalog()
    return [{"field": int(m.target), "name": cat.wipo_name(m.target), "weight": round(m.weight, 4),
             "source": m.source} for m in cat.wipo_fields(codes)]


def classify_ipc(codes: list[str], *, cat: Catalog | None = None) -> dict:
    """Every scheme for one patent's IPC list: wipo, industries, sei, ip_dense, other_tags (高技术产业, 数字经济,
    文化, 养老; with weights and sources)."""
    cat = cat or catalog()
    industries = cat.industries_for(codes)
    return {"wipo": wipo_fields_for_ipc(codes, cat=cat),
            "industries": industries_for_ipc(codes, cat=cat),
            "sei": [{"code": m.target, "name": SEI_TOP.get(m.target), "weight": round(m.weight, 4),
                     "source": m.source} for m in cat.sei_for(codes, industries)],
            "ip_dense": [{"category": m.target, "weight": round(m.weight, 4), "source": m.source}
                         for m in cat.ip_dense_for(industries)],
            "other_tags": [{"tag": m.target, "name": OTHER_TAGS.get(m.target, m.target), "weight": round(m.weight, 4),
                            "source": m.source} for m in cat.other_tags_for(industries)],
            "missing": cat.missing}


# --- text classifier ----------------------------------------------------------------------------------------

def model_path(workspace: Path | None = None) -> Path:
    return (workspace or _settings().workspace) / "models" / classifier.MODEL_FILE


@lru_cache(maxsize=2)
def _load_model(path: Path, stamp: float) -> classifier.Model:
    model = classifier.load(path)
    model.embed = vote_embed(_embedder(model.meta.get("embedder")))
    return model


EMBED_CHARS = 2_000  # the neighbour vote embeds at most this many characters (training titles have ≤ ~40)


def vote_embed(embedder) -> classifier.Embed:
    """The classifier's neighbour-vote embedding, the same at training and at prediction: the text in
    simplified Chinese (as the training titles are, and as the SVM stage sees it) and at most ``EMBED_CHARS``
    characters of it (the embedder's time and memory grow faster than the length: a 320,000-character text
    took 40 s and 5 GB)."""
    import zhconv

    return lambda texts: embedder.embed([zhconv.convert((t or "")[:EMBED_CHARS], "zh-cn") for t in texts])


def _embedder(name: str | None = None):
    """The search feature's sentence embedder (default model unless ``name``), for the neighbour vote."""
    from panhuo.search.dense import get_embedder

    return get_embedder(name)


def load_model(workspace: Path | None = None) -> classifier.Model:
    """The trained classifier of the workspace; raises :class:`ModelMissing` (also for a model file written
    by an older classifier version)."""
    path = model_path(workspace)
    if not path.exists():
        old = path.with_name("ipc-classifier-svm.npz")  # format 2's file name
        raise ModelMissing(path, f"{old} was trained by an older classifier: run `panhuo taxonomy train` again"
                           if old.exists() else None)
    try:
        return _load_model(path, path.stat().st_mtime)
    except classifier.ModelFormatError as exc:
        raise ModelMissing(path, str(exc)) from exc


def text_classifier(*, workspace: Path | None = None) -> Callable[[Sequence[str]], list[list[str]]] | None:
    """Texts → the IPC subclasses the workspace's trained model chooses for each (its set prediction: the
    best subclass and the others above the model's threshold), for ``library.service.build(classify=…)`` —
    every (re)build of patents without IPC uses it, so a partial rebuild (a withdrawn correction) classifies
    them as the full build did; ``None`` without a usable model."""
    try:
        model = load_model(workspace)
    except ModelMissing:
        return None
    return model.predict_sets


def ipc_training_docs(data_dir: Path) -> list[tuple[str, str]]:
    """(subclass, text) documents from the IPC scheme, one per main group and language: the subclass title,
    the main-group title and the titles of all its subgroups (Chinese from ``ipc-zh-2026``; English from
    ``ipc-en-wipo`` when present, for the subclasses of the current edition)."""
    zh = reference.ipc_titles_zh(data_dir)
    docs = _group_docs(zh)
    try:
        current = {c[:4] for c in zh if len(c) >= 4}
        docs += _group_docs({c: t for c, t in reference.ipc_titles_en(data_dir).items() if c[:4] in current})
    except DataSetMissing:
        pass
    return docs


def _group_docs(titles: dict[str, str]) -> list[tuple[str, str]]:
    groups: dict[str, list[str]] = {}
    for code, title in titles.items():
        if len(code) > 4 and "/" in code:
            groups.setdefault(code.split("/")[0], []).append(title)
    return [(main[:4], " ".join([titles.get(main[:4], ""), *texts])) for main, texts in sorted(groups.items())]


def train(*, data_dir: Path | None = None, workspace: Path | None = None, seed: int = classifier.SEED,
          holdout: bool = False, progress: Callable[[str], None] | None = None) -> dict:
    """Train the classifier on ``cn-patent-titles-ipc`` plus the IPC scheme and save it in the workspace.

    By default every available title is used (the model users get).  With ``holdout`` the fixed-seed test
    split (:func:`classifier.split`) is kept out, and the model is evaluated on it (micro-F1@1, @3, of the
    thresholded set, and top-k accuracy in ``test_metrics``).
    """
    data = reference.resolve(data_dir or _settings().data)
    df = reference.titled_patents(data)
    titles, labels = df["title"].to_list(), df["ipc_subclasses"].to_list()
    if holdout:
        train_idx, test_idx = classifier.split(len(df), seed=seed)
    else:
        train_idx, test_idx = list(range(len(df))), []
    embedder = _embedder()
    meta = {"seed": seed, "train": len(train_idx), "test": len(test_idx), "source": reference.TITLES,
            "embedder": embedder.name}
    model = classifier.fit([titles[i] for i in train_idx], [labels[i] for i in train_idx],
                           ipc_training_docs(data), embed=vote_embed(embedder), meta=meta, seed=seed, progress=progress)
    if len(test_idx):
        gold = [labels[i] for i in test_idx]
        ranked = model.predict_many([titles[i] for i in test_idx], 3)
        predicted = [[code for code, _ in r] for r in ranked]
        model.meta["test_metrics"] = {f"@{k}": classifier.metrics(predicted, gold, k) for k in (1, 3)}
        model.meta["test_metrics"]["set"] = classifier.metrics(
            [classifier.choose_set(r, model.threshold) for r in ranked], gold, 3)
    path = classifier.save(model, model_path(workspace))
    return {"model": str(path), **model.meta}


def classify_text(text: str, top: int = 5, *, model: classifier.Model | None = None,
                  cat: Catalog | None = None, workspace: Path | None = None) -> dict:
    """Free text (Chinese or English) → ranked IPC subclasses, WIPO fields and GB/T 4754 industries.

    ``{"ipc": [[code, score]…], "wipo": [[field, score]…], "industries": [[code, score]…]}``; scores are
    0…1 and comparable within one list.  Raises :class:`ModelMissing` when no model is trained.
    """
    return classify_texts([text], top, model=model, cat=cat, workspace=workspace)[0]


def classify_texts(texts: Sequence[str], top: int = 5, *, model: classifier.Model | None = None,
                   cat: Catalog | None = None, workspace: Path | None = None) -> list[dict]:
    """:func:`classify_text` for many texts at once (the classifier embeds them in one batch)."""
    model = model or load_model(workspace)
    cat = cat or catalog(workspace=workspace)
    return [_fields(ranked, top, cat) for ranked in model.predict_many(list(texts), classifier.CANDIDATES)]


def _fields(ranked: list[tuple[str, float]], top: int, cat: Catalog) -> dict:
    """Ranked subclasses → the classify answer, WIPO fields and industries summed through the concordances."""
    wipo: dict[str, float] = {}
    industries: dict[str, float] = {}
    for code, score in ranked:
        for m in cat.wipo_fields([code]):
            wipo[m.target] = wipo.get(m.target, 0.0) + score * m.weight
        for m in cat.industries_for([code]):
            industries[m.target] = industries.get(m.target, 0.0) + score * m.weight

    def _top(scores: dict[str, float]) -> list[list]:
        best = max(scores.values(), default=1.0) or 1.0
        return [[k, round(v / best, 4)] for k, v in sorted(scores.items(), key=lambda kv: -kv[1])[:top]]

    return {"ipc": [[c, s] for c, s in ranked[:top]],
            "wipo": [[int(k), s] for k, s in _top(wipo)],
            "industries": _top(industries)}
