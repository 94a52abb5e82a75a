"""USPTO Assignment Search responses (Solr XML, ``<response><result><doc>…``): one assignment per ``doc``.

Each assignment (reel/frame, conveyance, assignors, assignees, recorded and execution dates) becomes a legal
event on every patent it lists (``applNum`` / ``patNum`` / ``publNum`` arrays, index-aligned):

- ``ASSIGNMENT OF ASSIGNORS INTEREST``, ``NUNC PRO TUNC ASSIGNMENT``, ``MERGER`` … → ``transfer``
- ``SECURITY INTEREST``, ``MORTGAGE``, ``LIEN`` → ``pledge``; ``RELEASE`` / ``TERMINATION … SECURITY`` →
  ``pledge_release``; ``LICENSE`` → ``licence``; anything else (``CHANGE OF NAME`` …) → ``other``.

The event date is the recorded date; the counterparty is the assignee (the new owner, the secured party, or for a
release the party whose interest is released — the assignee of the release). Records carry only the application number, the filing
date and events (grant/publication numbers, given without kind code, stay in the event details), so the upsert adds the events to the stored patent and changes nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

from lxml import etree

from panhuo.ingest.records import EventRecord, PatentRecord, RowError
from panhuo.patents import numbers
from panhuo.patents.enums import EventKind

FORMAT = "uspto-assignment-xml"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
_KINDS = (  # first match wins: a release of a security interest is not a new pledge
    (EventKind.PLEDGE_RELEASE, r"RELEASE|TERMINATION.*SECURITY|DISCHARGE"),
    (EventKind.PLEDGE, r"SECURITY|MORTGAGE|LIEN|PLEDGE"),
    (EventKind.LICENCE, r"LICEN[CS]E"),
    (EventKind.TRANSFER, r"ASSIGNMENT|MERGER|ASSIGNS|COURT ORDER|DECREE OF DISTRIBUTION"),
)


def detect(path: Path | str) -> str | None:
    """``uspto-assignment-xml`` for an Assignment Search response, else ``None``."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError:
        return None
    if b"<response" in head and (b'name="reelNo"' in head or b'name="conveyanceText"' in head):
        return FORMAT
    return None


def conveyance_kind(text: str | None) -> EventKind:
    """Event kind of a conveyance text (``SECURITY INTEREST (SEE DOCUMENT FOR DETAILS).`` → ``pledge``)."""
    upper = (text or "").upper()
    return next((kind for kind, pattern in _KINDS if re.search(pattern, upper)), EventKind.OTHER)


def read(path: Path | str) -> Iterator[PatentRecord | RowError]:
    """One record per (assignment, listed patent), each with that assignment's event; errors per bad number."""
    path = Path(path)
    try:
        root = etree.parse(str(path), _PARSER).getroot()
    except (etree.XMLSyntaxError, OSError) as exc:
        yield RowError(str(path), None, None, None, f"not well-formed XML ({exc})", "bad_file", fatal=True)
        return
    result = root.find("result[@name='response']")
    if root.tag != "response" or result is None:
        yield RowError(str(path), None, None, path.name, "not a USPTO Assignment Search response",
                       "unsupported_format", fatal=True)
        return
    for row, doc in enumerate(result.iterfind("doc"), start=1):
        yield from _assignment(doc, path, row)


def _values(doc, name: str) -> list[str | None]:
    element = doc.find(f"*[@name='{name}']")
    if element is None:
        return []
    items = list(element) if element.tag == "arr" else [element]
    return [_clean(i.text) for i in items]


def _value(doc, name: str) -> str | None:
    values = _values(doc, name)
    return values[0] if values else None


def _clean(text: str | None) -> str | None:
    text = re.sub(r"\s+", " ", text or "").strip()
    return None if not text or text.upper() == "NULL" else text


def _date(value: str | None) -> date | None:
    if not value or value.startswith("0001"):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _event(doc) -> EventRecord:
    conveyance = _value(doc, "conveyanceText")
    reel, frame = _value(doc, "reelNo"), _value(doc, "frameNo")
    assignors = [n for n in _values(doc, "patAssignorName") if n]
    assignees = [n for n in _values(doc, "patAssigneeName") if n]
    executed = sorted({d.isoformat() for d in map(_date, _values(doc, "patAssignorExDate")) if d})
    reel_frame = f"{int(reel):06d}/{int(frame):04d}" if reel and frame and reel.isdigit() and frame.isdigit() \
        else None
    details = {"reel_frame": reel_frame, "reel": reel, "frame": frame, "conveyance": conveyance,
               "assignors": assignors, "assignees": assignees, "execution_dates": executed,
               "recorded_date": (_date(_value(doc, "recordedDate")) or "") and _date(_value(doc, "recordedDate"))
               .isoformat(), "source": "USPTO assignment"}
    return EventRecord(kind=str(conveyance_kind(conveyance)), event_date=_date(_value(doc, "recordedDate")),
                       code=None, description=conveyance, counterparty="; ".join(assignees)[:300] or None,
                       details={k: v for k, v in details.items() if v not in (None, [], "")})


def _assignment(doc, path: Path, row: int) -> Iterator[PatentRecord | RowError]:
    event = _event(doc)
    apps, pats, pubs = _values(doc, "applNum"), _values(doc, "patNum"), _values(doc, "publNum")
    filed = _values(doc, "filingDate")
    for i in range(max(len(apps), len(pats), len(pubs))):
        app, pat, pub = (v[i] if i < len(v) else None for v in (apps, pats, pubs))
        listed = {"patent_no": _number(pat, path, row, "grant_no") if pat else None,
                  "publication_no": _number(pub, path, row, "publication_no") if pub else None}
        yield from (v for v in listed.values() if isinstance(v, RowError))
        listed = {k: v for k, v in listed.items() if isinstance(v, str)}
        app_no = ""
        if app:
            try:
                app_no = numbers.parse_application_number(app, country="US").canonical
            except numbers.NumberError as exc:
                yield RowError(str(path), row, "application_no", app, exc.reason, exc.code,
                               fatal=not listed.get("publication_no"))
        if not app_no and not listed.get("publication_no"):
            if not app:
                yield RowError(str(path), row, "application_no", pat, "assignment lists a patent without an "
                               "application or publication number", "missing_id", fatal=True)
            continue
        # Numbers without kind code go into the event, not the patent: they must not replace "US7130913B2".
        fields = {"filing_date": _date(filed[i]) if i < len(filed) else None}
        if not app_no:
            fields["publication_no"] = listed["publication_no"]
        patent_event = replace(event, details={**event.details, **listed})
        yield PatentRecord(app_no, {k: v for k, v in fields.items() if v is not None}, events=[patent_event],
                           source_file=str(path), source_row=row, source_format=FORMAT)


def _number(value: str, path: Path, row: int, name: str) -> str | RowError:
    """Canonical US grant/publication number (kind left off: the assignment record does not give it)."""
    try:
        return numbers.parse_publication_number(f"US{value}").canonical
    except numbers.NumberError as exc:
        return RowError(str(path), row, name, value, exc.reason, exc.code)
