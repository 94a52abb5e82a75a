"""The on-disk search index of a workspace: lexical (tantivy) + dense (vectors) + manifest + corpus stats.

Layout under ``<workspace>/index/``::

    lexical/          tantivy segments
    dense/            ids.npy, vectors.npy, meta.json (hnsw.bin above 50k vectors)
    manifest.json     {"docs": {patent_id: content_hash}, "model", "analyzer"}: what is indexed
    corpus.json       document frequencies (keyword IDF) and mined phrases (domain dictionary)
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from panhuo.search.dense import Embedder, VectorStore, get_embedder
from panhuo.search.keywords import DocumentFrequency
from panhuo.search.lexical import LexicalIndex

MANIFEST = "manifest.json"
CORPUS = "corpus.json"


def content_hash(*parts: str | None) -> str:
    """SHA-256 of the text fields that feed the index (changes when any of them changes)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update((part or "").encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


@dataclass
class SearchIndex:
    """Open handles on one workspace's index (cached per process, see :func:`open_index`)."""

    root: Path
    embedder: Embedder
    lexical: LexicalIndex
    vectors: VectorStore
    docs: dict[int, str] = field(default_factory=dict)
    stats: DocumentFrequency = field(default_factory=DocumentFrequency)
    mined: list[str] = field(default_factory=list)
    analyzer_version: int = 1
    stamp: float = 0.0

    def save(self) -> None:
        """Write the manifest and the corpus statistics (the lexical index commits on its own)."""
        self.vectors.save()
        manifest = {"model": self.embedder.name, "analyzer": self.analyzer_version,
                    "docs": {str(k): v for k, v in self.docs.items()}}
        _atomic_write(self.root / MANIFEST, manifest)
        _atomic_write(self.root / CORPUS, {**self.stats.to_dict(), "mined": self.mined})
        self.stamp = (self.root / MANIFEST).stat().st_mtime


def _atomic_write(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    os.replace(tmp, path)


_cache: dict[str, SearchIndex] = {}
_lock = threading.Lock()


def open_index(root: Path, *, embedder: Embedder | None = None, fresh: bool = False) -> SearchIndex:
    """Open (or create) the index in ``root``; reopened when another process rewrote the manifest."""
    root = Path(root)
    embedder = embedder or get_embedder()
    key = f"{root.resolve()}|{embedder.name}"
    with _lock:
        cached = _cache.get(key)
        manifest = root / MANIFEST
        stamp = manifest.stat().st_mtime if manifest.exists() else 0.0
        if cached is not None and not fresh and cached.stamp == stamp:
            return cached
        root.mkdir(parents=True, exist_ok=True)
        if fresh:
            _remove_tree(root)
            root.mkdir(parents=True, exist_ok=True)
            stamp = 0.0
        index = SearchIndex(root=root, embedder=embedder, lexical=LexicalIndex(root / "lexical"),
                            vectors=VectorStore(root / "dense", embedder.dim, embedder.name), stamp=stamp)
        if manifest.exists():
            data = json.loads(manifest.read_text("utf-8"))
            if data.get("model") == embedder.name:
                index.docs = {int(k): v for k, v in data.get("docs", {}).items()}
                index.analyzer_version = int(data.get("analyzer", 1))
        corpus = root / CORPUS
        if corpus.exists():
            data = json.loads(corpus.read_text("utf-8"))
            index.stats = DocumentFrequency.from_dict(data)
            index.mined = list(data.get("mined", []))
        _cache[key] = index
        return index


def forget(root: Path) -> None:
    """Drop cached handles on an index folder (tests, or after deleting it)."""
    prefix = f"{Path(root).resolve()}|"
    with _lock:
        for key in [k for k in _cache if k.startswith(prefix)]:
            del _cache[key]


def _remove_tree(root: Path) -> None:
    import shutil

    for child in ("lexical", "dense"):
        shutil.rmtree(root / child, ignore_errors=True)
    for name in (MANIFEST, CORPUS):
        (root / name).unlink(missing_ok=True)
