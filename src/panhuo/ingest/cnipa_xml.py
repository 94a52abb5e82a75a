"""CNIPA XML reader: the old ``cn-patent-document`` (ST.36-based), the new V2.2.1 bulk format
(``business:PatentDocumentAndRelated``) and the as-filed ``cn-application-body`` parts.

One document per file → one :class:`PatentRecord` (or a fatal :class:`RowError` when it has no usable application
number). Namespaces are ignored (tags are matched by local name), entities are never resolved, nothing is fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from lxml import etree

from panhuo.ingest.records import PartyRecord, PatentRecord, RowError
from panhuo.patents import numbers

FORMATS = {"cn-patent-document": "cnipa-xml-old", "PatentDocumentAndRelated": "cnipa-xml-v2.2.1",
           "cn-application-body": "cnipa-application-xml"}
_DEPENDENT = re.compile(r"(根据|如|按照|按|依据|由)?权利要求\s*\d")
_FILE_APP = re.compile(r"__(\d{13})__")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=True)


def detect(path: Path | str) -> str | None:
    """``cnipa-xml-old`` / ``cnipa-xml-v2.2.1`` / ``cnipa-application-xml`` from the root element, else ``None``."""
    try:
        for _, element in etree.iterparse(str(path), events=("start",), resolve_entities=False, no_network=True):
            return FORMATS.get(etree.QName(element).localname)
    except (etree.XMLSyntaxError, OSError):
        return None
    return None


def read(path: Path | str) -> Iterator[PatentRecord | RowError]:
    """Records and errors of one CNIPA XML file."""
    path = Path(path)
    try:
        root = etree.parse(str(path), _PARSER).getroot()
    except (etree.XMLSyntaxError, OSError) as exc:
        yield RowError(str(path), None, None, None, f"not readable as XML ({exc})", "bad_file", fatal=True)
        return
    if root is None:
        yield RowError(str(path), None, None, None, "empty XML document", "bad_file", fatal=True)
        return
    _strip_namespaces(root)
    fmt = FORMATS.get(root.tag)
    if fmt is None:
        yield RowError(str(path), None, None, root.tag, f"not a CNIPA document (root <{root.tag}>)", "bad_format",
                       fatal=True)
        return
    errors: list[RowError] = []
    reader = {"cnipa-xml-old": _old, "cnipa-xml-v2.2.1": _new, "cnipa-application-xml": _application}[fmt]
    record = reader(root, path, errors)
    yield from errors
    if record is not None:
        record.source_file, record.source_row, record.source_format = str(path), 1, fmt
        yield record


def _strip_namespaces(root) -> None:
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]


def _text(element) -> str | None:
    if element is None:
        return None
    text = re.sub(r"\s+", " ", "".join(element.itertext())).strip()
    return text or None


def _date(value: str | None) -> date | None:
    if not value or not re.fullmatch(r"\d{8}", value.strip()) or value.strip() == "00000000":
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None


def _ipc(text: str | None) -> str | None:
    """``G09G    3/36    (2006.01)`` → ``G09G3/36``."""
    if not text:
        return None
    code = re.sub(r"\(.*?\)", "", text)
    code = re.sub(r"\s+", "", code).upper()
    return code or None


def _application_no(raw: str | None, path: Path, errors: list[RowError]) -> str | None:
    try:
        return numbers.parse_application_number(raw).canonical
    except numbers.NumberError as exc:
        errors.append(RowError(str(path), 1, "application_no", raw, exc.reason, exc.code, fatal=True))
        return None


def _publication(fields: dict, country: str | None, number: str | None, kind: str | None, day: str | None,
                 path: Path, errors: list[RowError]) -> None:
    if not number:
        return
    try:
        pub = numbers.parse_publication_number(f"{country or 'CN'}{number}{kind or ''}")
    except numbers.NumberError as exc:
        errors.append(RowError(str(path), 1, "publication_no", number, exc.reason, exc.code))
        return
    if pub.is_grant:
        fields["grant_no"] = pub.canonical
        fields["grant_date"] = _date(day)
    else:
        fields["publication_no"] = pub.canonical
        fields["publication_date"] = _date(day)
    fields.setdefault("patent_type", pub.patent_type.value if pub.patent_type else None)


def _claims(fields: dict, texts: list[str]) -> None:
    texts = [t for t in texts if t]
    if not texts:
        return
    fields["first_claim"] = texts[0]
    fields["claims_count"] = len(texts)
    fields["independent_claims_count"] = sum(1 for t in texts if not _DEPENDENT.search(t[:80]))


def _finish(fields: dict, app_no: str) -> dict:
    ipcs = fields.get("ipc_all") or []
    if ipcs:
        fields["ipc_main"] = ipcs[0]
    app_type = numbers.patent_type_from_application(app_no)
    if app_type is not None:
        fields["patent_type"] = app_type.value
    return {k: v for k, v in fields.items() if v not in (None, [], "")}


# ---------------------------------------------------------------- old cn-patent-document


def _old(root, path: Path, errors: list[RowError]) -> PatentRecord | None:
    bib = root.find("cn-bibliographic-data")
    if bib is None:
        errors.append(RowError(str(path), 1, None, None, "no <cn-bibliographic-data>", "missing_id", fatal=True))
        return None
    app_no = _application_no(bib.findtext("application-reference/document-id/doc-number"), path, errors)
    if app_no is None:
        return None
    fields: dict = {"filing_date": _date(bib.findtext("application-reference/document-id/date"))}
    pub = bib.find("cn-publication-reference/document-id")
    if pub is not None:
        _publication(fields, pub.findtext("country"), pub.findtext("doc-number"), pub.findtext("kind"),
                     pub.findtext("date"), path, errors)
    fields["title"] = _text(bib.find("invention-title"))
    fields["abstract"] = _text(bib.find("abstract"))
    fields["ipc_all"] = [c for c in (_ipc(e.text) for e in bib.iterfind("classifications-ipcr/classification-ipcr/text"))
                         if c]
    fields["priorities"] = [{"number": p.findtext("doc-number"), "date": _iso(p.findtext("date")),
                             "country": p.findtext("country")} for p in bib.iterfind("priority-claims/priority-claim")]
    _old_pct(bib, fields)
    parties = [PartyRecord("applicant", _text(a.find("addressbook/name")) or "", i)
               for i, a in enumerate(bib.iterfind("cn-parties/cn-applicants/cn-applicant"))]
    parties += [PartyRecord("inventor", _text(a.find("name")) or "", i)
                for i, a in enumerate(bib.iterfind("cn-parties/cn-inventors/cn-inventor"))]
    fields["applicant_address"] = _text(bib.find("cn-parties/cn-applicants/cn-applicant/addressbook/address/text"))
    agency = _text(bib.find("cn-parties/cn-agents/cn-agent/cn-agency/name"))
    fields["agency"] = re.sub(r"\s+\d+$", "", agency) if agency else None
    fields["agents"] = [t for t in (_text(a) for a in bib.iterfind("cn-parties/cn-agents/cn-agent/name")) if t]
    _claims(fields, [_text(c) for c in root.iterfind("application-body/claims/claim")])
    return PatentRecord(app_no, _finish(fields, app_no), [p for p in parties if p.raw_name])


def _old_pct(bib, fields: dict) -> None:
    pct: dict = {}
    for element in bib.iter():
        if not isinstance(element.tag, str):
            continue
        number = element.findtext("document-id/doc-number")
        if element.tag == "pct-or-regional-filing-data" and number:
            pct.update(application_no=number, filing_date=_iso(element.findtext("document-id/date")))
        elif element.tag == "pct-or-regional-publishing-data" and number:
            pct.update(publication_no=f"WO{number}", publication_date=_iso(element.findtext("document-id/date")))
        elif element.tag == "pct-national-phase-entry-date" or element.tag == "cn-pct-national-phase-entry-date":
            pct["entry_date"] = _iso(element.findtext("date") or element.text)
    if pct:
        fields["pct"] = pct


def _iso(value: str | None) -> str | None:
    day = _date(value)
    return day.isoformat() if day else None


# ---------------------------------------------------------------- new V2.2.1 bulk format


def _new(root, path: Path, errors: list[RowError]) -> PatentRecord | None:
    bib = root.find("BibliographicData")
    if bib is None:
        errors.append(RowError(str(path), 1, None, None, "no <BibliographicData>", "missing_id", fatal=True))
        return None
    app_ref = _preferred(bib.findall("ApplicationReference"))
    raw_no = app_ref.findtext("DocumentID/DocNumber") if app_ref is not None else None
    app_no = _application_no(raw_no, path, errors)
    if app_no is None:
        return None
    fields: dict = {"filing_date": _date(app_ref.findtext("DocumentID/Date"))}
    pub_ref = _preferred(bib.findall("PublicationReference"))
    if pub_ref is not None:
        doc = pub_ref.find("DocumentID")
        _publication(fields, doc.findtext("WIPOST3Code"), doc.findtext("DocNumber"), doc.findtext("Kind"),
                     doc.findtext("Date"), path, errors)
    fields["title"] = _text(bib.find("InventionTitle"))
    fields["abstract"] = _text(root.find("Abstract/Paragraphs")) and " ".join(
        t for t in (_text(p) for p in root.iterfind("Abstract/Paragraphs")) if t)
    fields["ipc_all"] = _unique(_ipc(e.text) for e in bib.iterfind("ClassificationIPCRDetails/ClassificationIPCR/Text"))
    fields["priorities"] = [{"number": p.findtext("DocNumber"), "date": _iso(p.findtext("Date")),
                             "country": p.findtext("WIPOST3Code")}
                            for p in bib.iterfind("PriorityDetails/Priority") if p.get("dataFormat") != "standard"]
    _new_pct(bib, fields)
    parties = _new_parties(bib, fields)
    _claims(fields, [_text(c.find("ClaimText")) or _text(c) for c in root.iterfind("Claims/Claim")])
    return PatentRecord(app_no, _finish(fields, app_no), parties)


def _preferred(elements: list):
    """The ``dataFormat="original"`` reference when there are several, else the first."""
    for element in elements:
        if element.get("dataFormat") == "original":
            return element
    return elements[0] if elements else None


def _unique(values) -> list:
    return list(dict.fromkeys(v for v in values if v))


def _new_parties(bib, fields: dict) -> list[PartyRecord]:
    parties: list[PartyRecord] = []
    for role, path in (("applicant", "Parties/ApplicantDetails/Applicant"),
                       ("inventor", "Parties/InventorDetails/Inventor")):
        for i, element in enumerate(e for e in bib.iterfind(path) if e.get("dataFormat") != "standard"):
            name = _text(element.find("AddressBook/Name")) or _text(element.find("AddressBook/OrganizationName"))
            if name:
                country = element.findtext("AddressBook/Address/WIPOST3Code")
                parties.append(PartyRecord(role, name, i, country=country if country not in (None, "0") else None))
    first = bib.find("Parties/ApplicantDetails/Applicant/AddressBook/Address/Text")
    fields["applicant_address"] = _text(first)
    agency = _text(bib.find("Parties/AgentDetails/Agent/Agency/AddressBook/OrganizationName"))
    fields["agency"] = re.sub(r"\s+\d+$", "", agency) if agency else None
    fields["agents"] = _unique(_text(a) for a in bib.iterfind("Parties/AgentDetails/Agent/AddressBook/Name"))
    return parties


def _new_pct(bib, fields: dict) -> None:
    pct: dict = {}
    app = bib.find("PCTOrRegionalFilingData/DocumentID")
    if app is not None:
        pct.update(application_no=app.findtext("DocNumber"), filing_date=_iso(app.findtext("Date")))
    pub = bib.find("PCTOrRegionalPublishingData/DocumentID")
    if pub is not None:
        pct.update(publication_no=f"WO{pub.findtext('DocNumber')}", publication_date=_iso(pub.findtext("Date")))
    entry = bib.findtext("PCTNationalPhaseEntryDate/Date") or bib.findtext("PCTNationalPhaseEntryDate")
    if entry:
        pct["entry_date"] = _iso(entry.strip())
    if pct:
        fields["pct"] = pct


# ---------------------------------------------------------------- as-filed application parts


def _application(root, path: Path, errors: list[RowError]) -> PatentRecord | None:
    match = _FILE_APP.search(path.name)
    if not match:
        errors.append(RowError(str(path), 1, "application_no", path.name,
                               "application-body parts carry the application number only in the file name "
                               "(application__<tag>__<13 digits>__…)", "missing_id", fatal=True))
        return None
    app_no = _application_no(match.group(1), path, errors)
    if app_no is None:
        return None
    fields: dict = {}
    if root.find("cn-claims") is not None:
        _claims(fields, [_text(c) for c in root.iterfind("cn-claims/claim")])
    if root.find("cn-abstract") is not None:
        fields["abstract"] = " ".join(t for t in (_text(p) for p in root.iterfind("cn-abstract/p")) if t)
    description = root.find("description")
    if description is not None:
        fields["title"] = _text(description.find("invention-title"))
    return PatentRecord(app_no, _finish(fields, app_no), [])
