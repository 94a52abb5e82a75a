"""Load the EPO/INPADOC legal event code table from the reference set ``epo-legal-event-codes``.

The edge (importers, commands) calls :func:`load_code_table` once and passes the result to the pure functions in
:mod:`panhuo.patents.legal`; when the set is absent the table is empty and the built-in CN codes still apply.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from panhuo.config import DataSetMissing, Settings
from panhuo.patents.legal import CodeInfo

DATA_SET = "epo-legal-event-codes"
FILE = "legal_code_descriptions_202417.csv"


def load_code_table(path: Path | None = None) -> dict[tuple[str, str], CodeInfo]:
    """``{(authority, code): CodeInfo}`` from the EPO table; ``{}`` when the reference set is not installed."""
    if path is None:
        try:
            path = Settings().data_path(DATA_SET, FILE)
        except DataSetMissing:
            return {}
    return dict(_read(str(path)))


@cache
def _read(path: str) -> tuple[tuple[tuple[str, str], CodeInfo], ...]:
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            authority, code = row["Authority"].strip(), row["Event-code"].strip().upper()
            info = CodeInfo(authority, code, row["Description ENG"].strip(), row["Event-class"].strip(),
                            row["Influence"].strip())
            rows.append(((authority, code), info))
    return tuple(rows)
