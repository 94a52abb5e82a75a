"""Optional collaborators, imported lazily: the taxonomy classifier and the library's industry assignments.

Matching works without them (text only) and says so in its explanations.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from sqlalchemy.orm import Session


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def classify(text: str, *, workspace: Path | None = None, top: int = 5) -> dict:
    """Ranked IPC subclasses / WIPO fields / industries of free text, or {} when no classifier is available."""
    taxonomy = _module("panhuo.taxonomy.service")
    if taxonomy is None or not hasattr(taxonomy, "classify_text"):
        return {}
    try:
        kwargs = {"top": top}
        if workspace is not None and "workspace" in taxonomy.classify_text.__code__.co_varnames:
            kwargs["workspace"] = workspace
        result = taxonomy.classify_text(text, **kwargs)
    except (LookupError, FileNotFoundError, OSError) as exc:  # model not trained in this workspace
        return {"unavailable": str(exc)}
    return result if isinstance(result, dict) else {"ipc": result}


def patent_industries(db_session: Session, patent_ids: list[int]) -> dict[int, dict[str, float]]:
    """GB/T 4754 industry code → weight per patent, from the library (empty when it has not been built)."""
    library = _module("panhuo.library.service")
    if library is None:
        return {}
    return library.codes_by_patent(db_session, patent_ids)
