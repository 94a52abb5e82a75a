"""The 转化资源库: build the assignments, keep reviewer overrides, answer filtered queries.

Services take the session first and never commit.  ``build`` replaces the computed rows of the patents
it covers and then re-applies every active override, so a reviewer's decision survives any rebuild.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from panhuo.library import bulk
from panhuo.library.models import SCHEMES, LibraryOverride, PatentIndustry
from panhuo.patents.models import Patent
from panhuo.taxonomy import clusters as cluster_rules
from panhuo.taxonomy import ipc as ipc_rules
from panhuo.taxonomy.catalog import SEI_TOP, Catalog, get_catalog
from panhuo.taxonomy.concordance import Mapping

CHUNK = 20_000


class LibraryError(ValueError):
    """A request the library cannot honour (unknown scheme, patent, action); the message says why."""


def _patent_frame(db_session: Session, ids: list[int]) -> pl.DataFrame:
    rows = db_session.execute(select(Patent.id, Patent.ipc_main, Patent.ipc_all, Patent.title)
                              .where(Patent.id.in_(ids))).all()
    codes = [[c for c in ([main] if main else []) + list(all_ or []) if c] for _, main, all_, _ in rows]
    return pl.DataFrame({"patent_id": [r[0] for r in rows], "codes": codes, "title": [r[3] or "" for r in rows]},
                        schema={"patent_id": pl.Int64, "codes": pl.List(pl.Utf8), "title": pl.Utf8})


TextClassifier = Callable[[Sequence[str]], list[list[str]]]  # texts → chosen IPC subclasses of each
TEXT_SOURCE = "text:classifier"


def _by_text(db_session: Session, frame: pl.DataFrame, classify: TextClassifier) -> tuple[pl.DataFrame, set[int]]:
    """Patents of the frame without any usable IPC symbol get the subclasses ``classify`` finds in their title
    and abstract (a CNKI export has no IPC column); returns the new frame and those patents' ids."""
    distinct = {raw for codes in frame["codes"].to_list() for raw in codes}
    valid = {raw for raw in distinct if (c := ipc_rules.try_parse(raw)) is not None and c.subclass}
    bare = [pid for pid, codes in zip(frame["patent_id"].to_list(), frame["codes"].to_list())
            if not any(raw in valid for raw in codes)]
    if not bare:
        return frame, set()
    texts = dict(db_session.execute(select(Patent.id, Patent.abstract).where(Patent.id.in_(bare))).all())
    titles = dict(zip(frame["patent_id"].to_list(), frame["title"].to_list()))
    joined = {pid: " ".join(t for t in (titles.get(pid), texts.get(pid)) if t).strip() for pid in bare}
    with_text = [pid for pid in bare if joined[pid]]
    chosen = classify([joined[pid] for pid in with_text]) if with_text else []
    guessed = {pid: codes for pid, codes in zip(with_text, chosen) if codes}
    frame = frame.with_columns(pl.Series("codes", [guessed.get(pid, codes) for pid, codes in
                                                   zip(frame["patent_id"].to_list(), frame["codes"].to_list())],
                                         dtype=pl.List(pl.Utf8)))
    return frame, set(guessed)


def _mark_text(frame: pl.DataFrame, texted: set[int]) -> pl.DataFrame:
    """Every row of a patent classified from its text says so in its source."""
    if not texted:
        return frame
    from_text = pl.col("patent_id").is_in(list(texted))
    return frame.with_columns(
        pl.when(from_text & (pl.col("scheme") == "ipc")).then(pl.lit(TEXT_SOURCE))
        .when(from_text).then((pl.lit(TEXT_SOURCE + "+") + pl.col("source")).str.slice(0, 80))
        .otherwise(pl.col("source")).alias("source"))


def build(db_session: Session, *, catalog: Catalog | None = None,
          clusters: list[cluster_rules.Cluster] | None = None, patent_ids: Iterable[int] | None = None,
          on_progress: Callable[[int, int], None] | None = None, classify: TextClassifier | None = None) -> dict:
    """(Re)classify patents (all, or ``patent_ids``) and re-apply overrides; returns counts.

    ``classify`` (text → ranked IPC subclasses, e.g. the trained text classifier) classifies the patents that
    have no usable IPC symbol from their title and abstract; their rows' sources start with
    ``text:classifier``.  Without it they stay without fields (counted in ``without_industry``)."""
    catalog = catalog or get_catalog()
    clusters = cluster_rules.load_clusters() if clusters is None else clusters
    ids = list(patent_ids) if patent_ids is not None else list(db_session.scalars(select(Patent.id).order_by(Patent.id)))
    built_at = datetime.now(UTC)
    written = unmapped = 0
    texted: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        patents = _patent_frame(db_session, chunk)
        chunk_texted: set[int] = set()
        if classify is not None:
            patents, chunk_texted = _by_text(db_session, patents, classify)
            texted |= chunk_texted
        frame = _mark_text(bulk.classify_frame(patents, catalog, clusters), chunk_texted)
        db_session.execute(delete(PatentIndustry).where(PatentIndustry.patent_id.in_(chunk)))
        records = frame.with_columns(pl.lit(built_at).alias("built_at")).to_dicts()
        if records:
            db_session.execute(insert(PatentIndustry), records)
        written += len(records)
        mapped = set(frame.filter(pl.col("scheme") == "gbt4754")["patent_id"].to_list())
        unmapped += sum(1 for i in chunk if i not in mapped)
        if on_progress:
            on_progress(min(start + CHUNK, len(ids)), len(ids))
    applied = _apply_overrides(db_session, ids)
    rederive(db_session, patent_ids=ids, catalog=catalog, clusters=clusters)
    db_session.flush()
    return {"patents": len(ids), "rows": written, "without_industry": unmapped, "classified_by_text": len(texted),
            "overrides_applied": applied,
            "missing_sets": catalog.missing, "official_tables": catalog.has_official}


def _active_overrides(db_session: Session, ids: Iterable[int], schemes: tuple[str, ...] = SCHEMES) -> list[LibraryOverride]:
    stmt = (select(LibraryOverride).where(LibraryOverride.active.is_(True), LibraryOverride.scheme.in_(schemes))
            .order_by(LibraryOverride.id))
    wanted = set(ids)  # overrides are few: read them all, keep those of the rebuilt patents, oldest first
    return [o for o in db_session.scalars(stmt) if o.patent_id in wanted]


def _apply_overrides(db_session: Session, ids: list[int]) -> int:
    overrides = _active_overrides(db_session, ids)
    for o in overrides:
        _apply_one(db_session, o)
    return len(overrides)


def rederive(db_session: Session, *, patent_ids: Iterable[int], catalog: Catalog,
             clusters: list[cluster_rules.Cluster]) -> list[int]:
    """Recompute what follows from the industries — SEI (unless it came from an official table), 专利密集型
    and cluster fits — for the patents among ``patent_ids`` whose industries a reviewer changed, from their
    industries after the overrides; then re-apply those patents' overrides of these schemes.  Returns the
    patents redone."""
    pids = sorted({o.patent_id for o in _active_overrides(db_session, patent_ids, ("gbt4754",))})
    for pid in pids:
        _rederive_one(db_session, pid, catalog, clusters)
    for o in _active_overrides(db_session, pids, DERIVED_SCHEMES):
        _apply_one(db_session, o)
    return pids


DERIVED_SCHEMES = ("sei", "ipdense", "cluster")
REDERIVED = " (reviewer's industries)"


def _rederive_one(db_session: Session, pid: int, catalog: Catalog, clusters: list[cluster_rules.Cluster]) -> None:
    rows = db_session.execute(select(PatentIndustry.code, PatentIndustry.weight).where(
        PatentIndustry.patent_id == pid, PatentIndustry.scheme == "gbt4754")).all()
    total = sum(w for _, w in rows) or 1.0
    industries = [Mapping(code, w / total, "", "") for code, w in rows]
    patent = db_session.get(Patent, pid)
    codes = [c.compact for raw in ([patent.ipc_main] if patent.ipc_main else []) + list(patent.ipc_all or [])
             if (c := ipc_rules.try_parse(raw)) is not None]
    current = db_session.execute(select(PatentIndustry.scheme, PatentIndustry.source).where(
        PatentIndustry.patent_id == pid, PatentIndustry.scheme.in_(DERIVED_SCHEMES))).all()
    official_sei = any(scheme == "sei" and source.startswith("official:") for scheme, source in current)
    schemes = [s for s in DERIVED_SCHEMES if not (s == "sei" and official_sei)]
    db_session.execute(delete(PatentIndustry).where(PatentIndustry.patent_id == pid,
                                                    PatentIndustry.scheme.in_(schemes)))
    new: list[tuple[str, str, float, str]] = []
    if "sei" in schemes:
        new += [("sei", m.target, m.weight, m.source) for m in catalog.sei_for([], industries)]
    new += [("ipdense", m.target, m.weight, m.source) for m in catalog.ip_dense_for(industries)]
    new += [("cluster", cid, fit, "derived:cluster-fit") for cid, fit in cluster_rules.fits(
        clusters, industries=[(m.target, m.weight) for m in industries], ipc_codes=codes, text=patent.title or "")
        if fit >= bulk.MIN_FIT]
    ranks: dict[str, int] = {}
    for scheme, code, weight, source in sorted(new, key=lambda r: (r[0], -r[2])):
        ranks[scheme] = ranks.get(scheme, 0) + 1
        if ranks[scheme] <= bulk.TOP and weight >= bulk.MIN_WEIGHT:
            db_session.add(PatentIndustry(patent_id=pid, scheme=scheme, code=code, weight=round(weight, 6),
                                          source=(source + REDERIVED)[:80], rank=ranks[scheme]))
    db_session.flush()


def _apply_one(db_session: Session, o: LibraryOverride) -> None:
    db_session.execute(delete(PatentIndustry).where(PatentIndustry.patent_id == o.patent_id,
                                                    PatentIndustry.scheme == o.scheme, PatentIndustry.code == o.code))
    if o.action == "add":
        db_session.add(PatentIndustry(patent_id=o.patent_id, scheme=o.scheme, code=o.code,
                                      weight=o.weight if o.weight is not None else 1.0,
                                      source=f"reviewer:{o.reviewer}"[:80], rank=0))


def override(db_session: Session, *, patent_id: int, scheme: str, code: str, action: str, reviewer: str,
             reason: str = "", weight: float | None = None, catalog: Catalog | None = None,
             clusters: list[cluster_rules.Cluster] | None = None) -> LibraryOverride:
    """Record a reviewer's decision (who/when/why) and apply it now; it is re-applied after every build.

    With ``catalog`` (and ``clusters``), an industry override also redoes the patent's SEI, 专利密集型 and
    cluster fits now (see :func:`rederive`); otherwise that happens at the next build."""
    if scheme not in SCHEMES:
        raise LibraryError(f"unknown scheme '{scheme}' (one of {', '.join(SCHEMES)})")
    if action not in ("add", "remove"):
        raise LibraryError(f"unknown action '{action}' (add or remove)")
    if not reviewer.strip():
        raise LibraryError("an override needs the reviewer's name")
    _check_code(scheme, code.strip(), weight)
    if db_session.get(Patent, patent_id) is None:
        raise LibraryError(f"no patent with id {patent_id}")
    row = LibraryOverride(patent_id=patent_id, scheme=scheme, code=code.strip(), action=action, weight=weight,
                          reviewer=reviewer.strip(), reason=reason)
    db_session.add(row)
    db_session.flush()
    _apply_one(db_session, row)
    if catalog is not None and scheme == "gbt4754":
        rederive(db_session, patent_ids=[patent_id], catalog=catalog, clusters=clusters or [])
    db_session.flush()
    return row


def _check_code(scheme: str, code: str, weight: float | None) -> None:
    """The rules of a reviewer's correction, for every caller (CLI, web page): a code of the scheme's shape
    (GB/T 4754, SEI and WIPO codes as in a user's concordance table) and a weight in (0, 1]."""
    from panhuo.taxonomy.importers import GENERIC_SCHEMES

    if not code:
        raise LibraryError("an override needs the code to add or remove")
    if scheme in GENERIC_SCHEMES and not re.fullmatch(GENERIC_SCHEMES[scheme], code):
        raise LibraryError(f"'{code}' is not a {scheme} code")
    if weight is not None and not 0 < weight <= 1:
        raise LibraryError(f"the weight is a number in (0, 1], not {weight}")


def withdraw_override(db_session: Session, *, override_id: int) -> LibraryOverride | None:
    """Deactivate an override (kept for the record); the next build restores the computed value."""
    row = db_session.get(LibraryOverride, override_id)
    if row is not None:
        row.active = False
        db_session.flush()
    return row


def overrides(db_session: Session, *, patent_id: int | None = None) -> list[LibraryOverride]:
    stmt = select(LibraryOverride).order_by(LibraryOverride.id)
    if patent_id is not None:
        stmt = stmt.where(LibraryOverride.patent_id == patent_id)
    return list(db_session.scalars(stmt))


def assignments(db_session: Session, patent_id: int, *, catalog: Catalog | None = None,
                clusters: list[cluster_rules.Cluster] | None = None) -> dict[str, list[dict]]:
    """``{scheme: [{code, name, weight, source}]}`` of one patent, best first (empty when not built).

    Cluster names come from ``clusters`` (default: the shipped cluster files)."""
    catalog = catalog or get_catalog()
    stmt = (select(PatentIndustry).where(PatentIndustry.patent_id == patent_id)
            .order_by(PatentIndustry.scheme, PatentIndustry.weight.desc()))
    out: dict[str, list[dict]] = {}
    cluster_names: dict[str, str] | None = None
    for row in db_session.scalars(stmt):
        if row.scheme == "cluster":
            if cluster_names is None:
                cluster_names = {c.id: c.name for c in (cluster_rules.load_clusters() if clusters is None
                                                        else clusters)}
            name = cluster_names.get(row.code)
        else:
            name = _name(catalog, row.scheme, row.code)
        out.setdefault(row.scheme, []).append({"code": row.code, "name": name,
                                               "weight": round(row.weight, 4), "source": row.source})
    return out


def codes_by_patent(db_session: Session, patent_ids: Iterable[int], *, scheme: str = "gbt4754") -> dict[int, dict[str, float]]:
    """``{patent_id: {code: weight}}`` of one scheme (GB/T 4754 by default) for the patents that have any."""
    ids = list(patent_ids)
    out: dict[int, dict[str, float]] = {}
    for start in range(0, len(ids), 5000):
        stmt = select(PatentIndustry.patent_id, PatentIndustry.code, PatentIndustry.weight).where(
            PatentIndustry.scheme == scheme, PatentIndustry.patent_id.in_(ids[start:start + 5000]))
        for pid, code, weight in db_session.execute(stmt):
            out.setdefault(pid, {})[code] = weight
    return out


def sei_flags(db_session: Session, patent_ids: Iterable[int]) -> dict[int, bool | None]:
    """战略性新兴产业 flag per patent: True (an SEI class), False (classified, no SEI class), None (not
    classified by the library yet)."""
    ids = list(patent_ids)
    sei = codes_by_patent(db_session, ids, scheme="sei")
    classified = codes_by_patent(db_session, ids, scheme="gbt4754")
    return {pid: True if sei.get(pid) else (False if pid in classified else None) for pid in ids}


def _name(catalog: Catalog, scheme: str, code: str) -> str | None:
    if scheme == "gbt4754":
        return catalog.industry_name(code)
    if scheme == "wipo":
        return catalog.wipo_name(code)
    if scheme == "sei":
        return SEI_TOP.get(code)
    return None  # ipdense codes are the category names themselves; ipc/cluster names are looked up elsewhere


def _has(scheme: str, code: str, *, prefix: bool = False, min_weight: float = 0.0):
    cond = PatentIndustry.code.startswith(code) if prefix else PatentIndustry.code == code
    return select(PatentIndustry.patent_id).where(PatentIndustry.scheme == scheme, cond,
                                                  PatentIndustry.weight >= min_weight)


def query(db_session: Session, *, industry: str | None = None, cluster: str | None = None, sei: str | None = None,
          wipo: str | None = None, ip_dense: bool | None = None, region: str | None = None,
          grade: str | None = None, disposition: str | None = None, limit: int = 50, offset: int = 0,
          institution_ids: Iterable[int] | None = None) -> dict:
    """Patents of the library matching every given filter: ``{"total", "items": [...]}``.

    ``industry`` matches a GB/T 4754 code at any level (``38`` finds 3841); ``cluster`` needs a fit of at
    least ``clusters.MEMBER_FIT``; ``region`` is a GB/T 2260 prefix of the owner's region code (``33``
    = 浙江); ``grade`` (一级…五级, 待定) and ``disposition`` (技术保护 / 转化运用 / 开放许可 / 终止维持) come
    from each patent's latest valuation, in SQL (no id list, so any library size).  Raises
    :class:`LibraryError` for a disposition outside the vocabulary or a grade no evaluation carries.
    ``institution_ids`` (when given) keeps the patents of those institutions (a web user's scope).
    """
    stmt = select(Patent.id)
    if institution_ids is not None:
        stmt = stmt.where(Patent.institution_id.in_(list(institution_ids) or [-1]))
    if industry:
        stmt = stmt.where(Patent.id.in_(_has("gbt4754", industry, prefix=True)))
    if cluster:
        stmt = stmt.where(Patent.id.in_(_has("cluster", cluster, min_weight=cluster_rules.MEMBER_FIT)))
    if sei:
        stmt = stmt.where(Patent.id.in_(_has("sei", sei.split(".")[0])))
    if wipo:
        stmt = stmt.where(Patent.id.in_(_has("wipo", str(wipo))))
    if ip_dense is not None:
        dense = select(PatentIndustry.patent_id).where(PatentIndustry.scheme == "ipdense")
        stmt = stmt.where(Patent.id.in_(dense) if ip_dense else Patent.id.not_in(dense))
    if region:
        stmt = stmt.where(Patent.region_code.startswith(region.rstrip("0") or region))
    if grade or disposition:
        stmt = stmt.where(Patent.id.in_(_valuation_filter(db_session, grade=grade, disposition=disposition)))
    total = db_session.scalar(select(func.count()).select_from(stmt.subquery()))
    page = list(db_session.scalars(stmt.order_by(Patent.id).limit(limit).offset(offset)))
    patents = {p.id: p for p in db_session.scalars(select(Patent).where(Patent.id.in_(page)))}
    items = [{"patent_id": pid, "application_no": patents[pid].application_no, "title": patents[pid].title,
              "ipc_main": patents[pid].ipc_main, "region_code": patents[pid].region_code} for pid in page]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def _valuation_filter(db_session: Session, *, grade: str | None, disposition: str | None):
    """A subquery of the patents whose latest evaluation (any scenario) has the grade/disposition; a value no
    evaluation carries is refused with the values in use (a typo would otherwise read as "no patents")."""
    from panhuo.valuation.decisions import DISPOSITIONS  # here: valuation reads the library's SEI flags
    from panhuo.valuation.models import Evaluation

    if disposition and disposition not in DISPOSITIONS:
        raise LibraryError(f"unknown disposition '{disposition}' (one of {', '.join(DISPOSITIONS)})")
    if grade:
        in_use = sorted(g for g in db_session.scalars(select(Evaluation.grade).distinct()) if g)
        if not in_use:
            raise LibraryError("no patent is evaluated yet: run `panhuo evaluate` before filtering by grade")
        if grade not in in_use:
            raise LibraryError(f"no evaluation has grade '{grade}' (grades in use: {', '.join(in_use)})")
    newest = select(func.max(Evaluation.id)).group_by(Evaluation.patent_id)
    stmt = select(Evaluation.patent_id).where(Evaluation.id.in_(newest))
    if grade:
        stmt = stmt.where(Evaluation.grade == grade)
    if disposition:
        stmt = stmt.where(Evaluation.disposition == disposition)
    return stmt


def by_cluster(db_session: Session, *, region: str | None = None,
               clusters: list[cluster_rules.Cluster] | None = None, top: int = 10,
               owner_region: str | None = None, institution_ids: Iterable[int] | None = None) -> list[dict]:
    """A region's library view: each cluster (of sets for that region) with its patent count and best fits;
    ``owner_region`` (GB/T 2260 prefix) keeps only patents whose owner is in that region,
    ``institution_ids`` (when given) only those of these institutions."""
    clusters = cluster_rules.load_clusters() if clusters is None else clusters
    if region:
        clusters = [c for c in clusters if c.region.startswith(region.rstrip("0") or region)
                    or region.startswith(c.region.rstrip("0"))]
    out = []
    for c in clusters:
        where = [PatentIndustry.scheme == "cluster", PatentIndustry.code == c.id,
                 PatentIndustry.weight >= cluster_rules.MEMBER_FIT]
        if owner_region:
            where.append(Patent.region_code.startswith(owner_region.rstrip("0") or owner_region))
        if institution_ids is not None:
            where.append(Patent.institution_id.in_(list(institution_ids) or [-1]))
        base = select(PatentIndustry.id).join(Patent, Patent.id == PatentIndustry.patent_id).where(*where)
        count = db_session.scalar(select(func.count()).select_from(base.subquery()))
        best = db_session.execute(select(PatentIndustry.patent_id, PatentIndustry.weight, Patent.title)
                                  .join(Patent, Patent.id == PatentIndustry.patent_id).where(*where)
                                  .order_by(PatentIndustry.weight.desc(), PatentIndustry.patent_id).limit(top)).all()
        out.append({"cluster": c.id, "name": c.name, "set": c.set_id, "region": c.region,
                    "maintained_by": c.maintained_by, "patents": count,
                    "top": [{"patent_id": pid, "fit": round(w, 3), "title": t} for pid, w, t in best]})
    return out


def is_built(db_session: Session) -> bool:
    """Whether `panhuo library build` has run (any assignment stored): one row fetched, not a count over the
    whole table (millions of rows on a provincial library, and every /resources page asks)."""
    return db_session.scalar(select(PatentIndustry.id).limit(1)) is not None


def clusters_dir(workspace: Path) -> Path:
    """Where a workspace keeps its own cluster YAML files (they replace shipped sets with the same id)."""
    return workspace / "clusters"
