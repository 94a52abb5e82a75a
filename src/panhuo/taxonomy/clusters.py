"""Regional clusters as editable YAML and the fit of a patent to a cluster (pure apart from reading YAML).

A cluster file holds a set (``set``, ``name``, ``region`` GB/T 2260, ``maintained_by``, ``source``,
``effective``) and its clusters (``id``, ``name``, ``industries`` GB/T 4754 codes at any level, optional
``ipc`` patterns and ``keywords``).  Fit of a patent to a cluster, 0…1:

    fit = 0.6 · industry overlap + 0.25 · [an IPC symbol matches] + 0.15 · [a keyword is in the title]

where industry overlap sums the patent's industry weights that fall inside a member code (half when the
patent's industry is coarser than the member, e.g. 大类 38 against member 3841).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from panhuo.taxonomy import ipc as ipc_rules

W_INDUSTRY, W_IPC, W_KEYWORD = 0.6, 0.25, 0.15
MEMBER_FIT = 0.2  # a fit at or above this lists the patent under the cluster


class ClusterFileError(ValueError):
    """A cluster file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Cluster:
    id: str
    name: str
    region: str
    set_id: str
    industries: tuple[str, ...]
    ipc: tuple[str, ...]
    keywords: tuple[str, ...]
    maintained_by: str = "user"


def parse_clusters(doc: dict, origin: str = "") -> list[Cluster]:
    """Clusters of one YAML document; raises :class:`ClusterFileError` with the reason."""
    for key in ("set", "region", "clusters"):
        if key not in doc:
            raise ClusterFileError(f"{origin}: missing '{key}'")
    out = []
    for number, item in enumerate(doc["clusters"], start=1):
        if not item.get("id") or not item.get("name"):
            raise ClusterFileError(f"{origin}: cluster #{number} needs an id and a name")
        patterns = tuple(str(p) for p in item.get("ipc", []))
        for p in patterns:
            if ipc_rules.try_parse(p) is None:
                raise ClusterFileError(f"{origin}: cluster {item['id']}: '{p}' is not an IPC pattern")
        out.append(Cluster(str(item["id"]), str(item["name"]), str(doc["region"]), str(doc["set"]),
                           tuple(str(c) for c in item.get("industries", [])), patterns,
                           tuple(str(k) for k in item.get("keywords", [])), str(doc.get("maintained_by", "user"))))
    return out


def load_clusters(extra_dir: Path | None = None) -> list[Cluster]:
    """The shipped example clusters plus every ``*.yaml`` in ``extra_dir`` (a user file with the same set id
    replaces the shipped one)."""
    docs: dict[str, tuple[dict, str]] = {}
    shipped = resources.files("panhuo.taxonomy").joinpath("data/clusters")
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            doc = yaml.safe_load(entry.read_text(encoding="utf-8"))
            docs[doc["set"]] = (doc, entry.name)
    if extra_dir and extra_dir.is_dir():
        for path in sorted(extra_dir.glob("*.yaml")):
            try:
                doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                where = getattr(exc, "problem_mark", None)
                line = f" at line {where.line + 1}" if where is not None else ""
                raise ClusterFileError(f"{path}: not valid YAML{line} ({getattr(exc, 'problem', None) or exc})") from None
            if not isinstance(doc, dict):
                raise ClusterFileError(f"{path}: expected a mapping with set, region and clusters")
            docs[doc.get("set", path.stem)] = (doc, str(path))
    return [c for doc, origin in docs.values() for c in parse_clusters(doc, origin)]


def _industry_overlap(cluster: Cluster, industries: list[tuple[str, float]]) -> float:
    total = 0.0
    for code, weight in industries:
        if any(code.startswith(m) for m in cluster.industries):
            total += weight
        elif any(m.startswith(code) for m in cluster.industries):
            total += 0.5 * weight
    return min(total, 1.0)


def fit(cluster: Cluster, *, industries: list[tuple[str, float]], ipc_codes: list[str], text: str = "") -> float:
    """Fit of one patent (its weighted industries, IPC symbols and title) to one cluster, 0…1."""
    ipc_hit = any(code.startswith(ipc_rules.normalise(p)) for p in cluster.ipc for code in ipc_codes)
    keyword_hit = bool(text) and any(k in text for k in cluster.keywords)
    score = W_INDUSTRY * _industry_overlap(cluster, industries) + W_IPC * ipc_hit + W_KEYWORD * keyword_hit
    return round(score, 4)


def fits(clusters: list[Cluster], *, industries: list[tuple[str, float]], ipc_codes: list[str],
         text: str = "") -> list[tuple[str, float]]:
    """(cluster id, fit) for every cluster with a non-zero fit, best first."""
    scored = [(c.id, fit(c, industries=industries, ipc_codes=ipc_codes, text=text)) for c in clusters]
    return sorted([s for s in scored if s[1] > 0], key=lambda s: -s[1])
