"""BM25 over pre-tokenised fields with tantivy (the lexical half of hybrid search).

Fields are indexed from rjieba terms joined by spaces and read back with tantivy's ``whitespace``
tokenizer, so the index and the query use exactly the same analysis (:mod:`panhuo.search.text`).
Per-field boosts are applied at query time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tantivy

FIELD_BOOSTS: dict[str, float] = {"title": 3.0, "keywords": 2.0, "abstract": 1.0, "claims": 0.6}


@dataclass
class LexicalDoc:
    """One patent's analysed fields: lists of terms, or strings of terms already joined by spaces."""

    patent_id: int
    fields: dict[str, list[str] | str] = field(default_factory=dict)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("pid", stored=True, indexed=False)
    # deletes go through a raw text key: tantivy-py sends Python ints as i64 terms, which miss u64 fields
    builder.add_text_field("key", stored=False, tokenizer_name="raw", index_option="basic")
    for name in FIELD_BOOSTS:
        builder.add_text_field(name, stored=False, tokenizer_name="whitespace", index_option="freq")
    return builder.build()


class LexicalIndex:
    """A tantivy index in ``path`` (created when missing); ``path=None`` keeps it in memory."""

    def __init__(self, path: Path | None = None, *, heap_mb: int = 256, threads: int = 0):
        self.schema = _schema()
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
            self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        else:
            self.index = tantivy.Index(self.schema)
        self._heap = heap_mb * 2**20
        self._threads = threads
        self._writer = None

    def _w(self):
        if self._writer is None:
            self._writer = self.index.writer(heap_size=self._heap, num_threads=self._threads)
        return self._writer

    def upsert(self, docs: Iterable[LexicalDoc], *, replace: bool = True) -> int:
        """Add documents, replacing any earlier version of the same patent; returns how many."""
        writer = self._w()
        n = 0
        for doc in docs:
            if replace:
                writer.delete_documents_by_term("key", str(doc.patent_id))
            document = tantivy.Document()
            document.add_unsigned("pid", doc.patent_id)
            document.add_text("key", str(doc.patent_id))
            for name in FIELD_BOOSTS:
                terms = doc.fields.get(name)
                if terms:
                    document.add_text(name, terms if isinstance(terms, str) else " ".join(terms))
            writer.add_document(document)
            n += 1
        return n

    def delete(self, patent_ids: Iterable[int]) -> None:
        writer = self._w()
        for pid in patent_ids:
            writer.delete_documents_by_term("key", str(int(pid)))

    def commit(self) -> None:
        """Make the changes durable and visible; releases the writer lock."""
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None
        self.index.reload()

    def clear(self) -> None:
        self._w().delete_all_documents()

    def count(self) -> int:
        self.index.reload()
        return self.index.searcher().num_docs

    def search(self, terms: Sequence[str], top: int = 100,
               boosts: dict[str, float] | None = None) -> list[tuple[int, float]]:
        """(patent_id, BM25 score) of the best ``top`` documents for the OR of the terms across fields."""
        unique = list(dict.fromkeys(t for t in terms if t))
        if not unique:
            return []
        boosts = boosts or FIELD_BOOSTS
        clauses = []
        for term in unique:
            for name, boost in boosts.items():
                query = tantivy.Query.term_query(self.schema, name, term)
                clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(query, boost)))
        query = tantivy.Query.boolean_query(clauses)
        searcher = self.index.searcher()
        result = searcher.search(query, limit=top)
        out = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            out.append((int(doc["pid"][0]), float(score)))
        return out
