"""Matching's two collaborators: the taxonomy text classifier and the library's industry assignments.

Both degrade to "unknown" (a workspace without a trained classifier, a library not yet built) and say so.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session


def classify(text: str, *, workspace: Path | None = None, top: int = 5) -> dict:
    """Ranked IPC subclasses / WIPO fields / industries of free text; {"unavailable": why} when the workspace has
    no trained classifier."""
    from panhuo.taxonomy import service as taxonomy_service

    try:
        return taxonomy_service.classify_text(text, top=top, workspace=workspace)
    except (LookupError, FileNotFoundError, OSError) as exc:
        return {"unavailable": str(exc)}


def patent_industries(db_session: Session, patent_ids: list[int]) -> dict[int, dict[str, float]]:
    """GB/T 4754 industry code → weight per patent, from the library (empty when it has not been built)."""
    from panhuo.library import service as library_service

    return library_service.codes_by_patent(db_session, patent_ids)
