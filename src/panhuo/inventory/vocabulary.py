"""The self-assessment form definition, read once from ``inventory/data/self_assessment.yaml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=1)
def form() -> dict:
    """The versioned form: ``{"version", "effective", "source", "fields": [...]}``."""
    with (DATA / "self_assessment.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def fields() -> list[dict]:
    return form()["fields"]
