"""Compact field provenance for imports: one bit per tracked field.

One :class:`~panhuo.ingest.models.RecordSource` row per (patent, imported row that changed it) holds the
source file, row, import job, time and a bit mask of the fields that row set. The current provenance of a field
is the latest source whose mask has its bit (or the person who edited it: ``FieldProvenance.edited_by``).
This replaces one ``FieldProvenance`` row per field per patent for imports, which at ~35 fields per record is
35 M rows for a 1 M-row export and cannot meet the 60 s import goal (see docs/ingest.md).

**Append only**: a field's bit is its position in :data:`TRACKED_FIELDS`; never reorder or remove entries.
"""

from __future__ import annotations

from collections.abc import Iterable

TRACKED_FIELDS: tuple[str, ...] = (
    "application_no_raw", "publication_no", "grant_no", "patent_type", "title", "title_en", "abstract",
    "first_claim", "claims_count", "independent_claims_count", "filing_date", "publication_date", "grant_date",
    "expiry_date", "exam_request_date", "lapse_date", "legal_status", "legal_status_raw", "ipc_main", "ipc_all",
    "cpc", "priorities", "pct", "family_size", "family_size_extended", "family_countries", "backward_citations",
    "backward_citation_count", "npl_citation_count", "forward_citations", "forward_citation_count",
    "transfer_count", "licence_count", "pledge_count", "agency", "agents", "examiner", "applicant_address",
    "region_code", "institution_id", "department_id", "synthetic", "extra", "applicants", "patentees",
    "inventors", "events", "country",
)
BIT = {name: 1 << i for i, name in enumerate(TRACKED_FIELDS)}
assert len(TRACKED_FIELDS) <= 63, "the mask is a signed 64-bit integer"


def mask_of(fields: Iterable[str]) -> int:
    """The bit mask of these fields (unknown names are ignored)."""
    mask = 0
    for name in fields:
        mask |= BIT.get(name, 0)
    return mask


def fields_of(mask: int) -> list[str]:
    """The field names in a mask, in :data:`TRACKED_FIELDS` order."""
    return [name for name, bit in BIT.items() if mask & bit]
