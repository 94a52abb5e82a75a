"""USPTO bulk XML reader: grants (``us-patent-grant``) and applications (``us-patent-application``), v4.0 (2004)
onwards. A file may hold one document or many concatenated ones (the weekly bulk files).

Older formats are recognised and reported, not parsed: the 2001–2004 ST.32 ``PATDOC`` grants and the
``patent-application-publication`` (pap v1.5/1.6) applications, and the 1976–2001 APS "greenbook" text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from lxml import etree

from panhuo.ingest.records import PartyRecord, PatentRecord, RowError
from panhuo.patents import numbers

FORMATS = {"us-patent-grant": "uspto-grant-xml", "us-patent-application": "uspto-application-xml"}
OLD_FORMATS = {
    "PATDOC": "USPTO ST.32 grant XML (2001–2004)",
    "patent-application-publication": "USPTO application publication XML v1.5/1.6 (2001–2004)",
    "greenbook": "USPTO APS 'greenbook' text (1976–2001)",
}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=True, huge_tree=True)
_DOC_START = re.compile(rb"<\?xml[^>]*\?>")


def detect(path: Path | str) -> str | None:
    """``uspto-grant-xml`` / ``uspto-application-xml``, ``uspto-old:<root>`` for the older formats, else ``None``."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if head.startswith(b"PATN") or b"\nPATN" in head[:200]:
        return "uspto-old:greenbook"
    for root in FORMATS:
        if f"<{root}".encode() in head:
            return FORMATS[root]
    for root in OLD_FORMATS:
        if f"<{root}".encode() in head or f"DOCTYPE {root}".encode() in head:
            return f"uspto-old:{root}"
    return None


def read(path: Path | str) -> Iterator[PatentRecord | RowError]:
    """Records and errors of one USPTO file (one or many documents)."""
    path = Path(path)
    kind = detect(path)
    if kind is None or kind.startswith("uspto-old:"):
        what = OLD_FORMATS.get(kind.split(":", 1)[1]) if kind else None
        reason = (f"{what} is not supported: use the 2004+ XML of the same patents" if what
                  else "not a USPTO grant or application XML document")
        yield RowError(str(path), None, None, path.name, reason, "unsupported_format", fatal=True)
        return
    data = path.read_bytes()
    starts = [m.start() for m in _DOC_START.finditer(data)] or [0]
    for number, (start, end) in enumerate(zip(starts, [*starts[1:], len(data)], strict=True), start=1):
        yield from _document(data[start:end], path, number)


def _document(chunk: bytes, path: Path, number: int) -> Iterator[PatentRecord | RowError]:
    try:
        root = etree.fromstring(chunk, _PARSER)
    except etree.XMLSyntaxError as exc:
        yield RowError(str(path), number, None, None, f"document is not well-formed XML ({exc})", "bad_file", True)
        return
    if root is None or root.tag not in FORMATS:
        yield RowError(str(path), number, None, getattr(root, "tag", None), "not a US grant/application document",
                       "unsupported_format", fatal=True)
        return
    errors: list[RowError] = []
    record = _record(root, path, number, errors)
    yield from errors
    if record is not None:
        record.source_file, record.source_row, record.source_format = str(path), number, FORMATS[root.tag]
        yield record


def _text(element) -> str | None:
    if element is None:
        return None
    text = re.sub(r"\s+", " ", "".join(element.itertext())).strip()
    return text or None


def _date(value: str | None) -> date | None:
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8])) if value and len(value) >= 8 else None
    except ValueError:
        return None


def _record(root, path: Path, number: int, errors: list[RowError]) -> PatentRecord | None:
    bib = root.find("us-bibliographic-data-grant")
    if bib is None:
        bib = root.find("us-bibliographic-data-application")
    app = bib.find("application-reference/document-id") if bib is not None else None
    raw_no = app.findtext("doc-number") if app is not None else None
    try:
        app_no = numbers.parse_application_number(raw_no, country="US").canonical
    except numbers.NumberError as exc:
        errors.append(RowError(str(path), number, "application_no", raw_no, exc.reason, exc.code, fatal=True))
        return None
    fields: dict = {"filing_date": _date(app.findtext("date"))}
    _publication(bib, root.tag == "us-patent-grant", fields, path, number, errors)
    fields["patent_type"] = _type(bib.find("application-reference"))
    fields["title"] = _text(bib.find("invention-title"))
    fields["abstract"] = _text(root.find("abstract"))
    claims = [_text(c) for c in root.iterfind("claims/claim")]
    claims = [c for c in claims if c]
    if claims:
        fields["first_claim"] = claims[0]
        fields["claims_count"] = len(claims)
        fields["independent_claims_count"] = sum(
            1 for c in root.iterfind("claims/claim") if c.find(".//claim-ref") is None)
    _classifications(bib, fields)
    fields["priorities"] = [{"number": p.findtext("doc-number"), "date": _iso(p.findtext("date")),
                             "country": p.findtext("country")} for p in bib.iterfind("priority-claims/priority-claim")]
    cited = [_cited(c) for c in bib.iter("us-citation", "citation") if c.find("patcit") is not None]
    if cited:
        fields["backward_citations"] = [c for c in cited if c]
        fields["backward_citation_count"] = len(cited)
    fields["examiner"] = _examiner(bib)
    fields["title_en"] = fields.get("title")
    return PatentRecord(app_no, {k: v for k, v in fields.items() if v not in (None, [], "")}, _parties(bib))


def _publication(bib, grant: bool, fields: dict, path: Path, number: int, errors: list[RowError]) -> None:
    doc = bib.find("publication-reference/document-id")
    if doc is None:
        return
    raw = f"US{doc.findtext('doc-number') or ''}{doc.findtext('kind') or ''}"
    try:
        pub = numbers.parse_publication_number(raw).canonical
    except numbers.NumberError as exc:
        errors.append(RowError(str(path), number, "publication_no", raw, exc.reason, exc.code))
        return
    key, day = ("grant_no", "grant_date") if grant else ("publication_no", "publication_date")
    fields[key], fields[day] = pub, _date(doc.findtext("date"))


def _type(app_ref) -> str | None:
    appl_type = app_ref.get("appl-type") if app_ref is not None else None
    return {"design": "design"}.get(appl_type or "", "invention" if appl_type else None)


def _classifications(bib, fields: dict) -> None:
    ipcs = []
    for c in bib.iterfind("classifications-ipcr/classification-ipcr"):
        parts = [c.findtext(t) or "" for t in ("section", "class", "subclass", "main-group")]
        if all(parts):
            ipcs.append(f"{parts[0]}{parts[1]}{parts[2]}{parts[3]}/{c.findtext('subgroup') or '00'}")
    for main in bib.iterfind("classification-ipc/main-classification"):  # v4.0 (2004–2005)
        code = re.sub(r"\s+", "", main.text or "").upper()
        if code:
            match = re.fullmatch(r"([A-H]\d{2}[A-Z])0*(\d+)/?(\d{2,})", code)
            if match:
                ipcs.append(f"{match[1]}{match[2]}/{match[3]}")
    fields["ipc_all"] = list(dict.fromkeys(ipcs))
    fields["ipc_main"] = ipcs[0] if ipcs else None
    cpcs = []
    for c in bib.iter("classification-cpc"):
        parts = [c.findtext(t) or "" for t in ("section", "class", "subclass", "main-group")]
        if all(parts):
            cpcs.append(f"{parts[0]}{parts[1]}{parts[2]}{parts[3]}/{c.findtext('subgroup') or '00'}")
    fields["cpc"] = list(dict.fromkeys(cpcs))


def _cited(citation) -> str | None:
    doc = citation.find("patcit/document-id")
    if doc is None:
        return None
    return f"{doc.findtext('country') or ''}{doc.findtext('doc-number') or ''}{doc.findtext('kind') or ''}"


def _examiner(bib) -> str | None:
    primary = bib.find("examiners/primary-examiner")
    if primary is None:
        return None
    return " ".join(t for t in (primary.findtext("first-name"), primary.findtext("last-name")) if t) or None


def _iso(value: str | None) -> str | None:
    day = _date(value)
    return day.isoformat() if day else None


def _parties(bib) -> list[PartyRecord]:
    out: list[PartyRecord] = []
    applicants = list(bib.iter("us-applicant", "applicant"))
    for i, element in enumerate(applicants):
        name = _name(element.find("addressbook"))
        if name and element.get("app-type", "applicant") in ("applicant", "applicant-inventor"):
            role = "inventor" if element.get("app-type") == "applicant-inventor" else "applicant"
            out.append(PartyRecord(role, name, i, country=element.findtext("addressbook/address/country")))
    for i, element in enumerate(bib.iter("inventor")):
        name = _name(element.find("addressbook"))
        if name:
            out.append(PartyRecord("inventor", name, i, country=element.findtext("addressbook/address/country")))
    for i, element in enumerate(bib.iter("assignee")):
        name = _name(element.find("addressbook")) or _name(element)
        if name:
            out.append(PartyRecord("patentee", name, i, country=element.findtext("addressbook/address/country")))
    return out


def _name(book) -> str | None:
    if book is None:
        return None
    org = book.findtext("orgname")
    if org:
        return org.strip()
    first, last = book.findtext("first-name"), book.findtext("last-name")
    return ", ".join(t.strip() for t in (last, first) if t) or None
