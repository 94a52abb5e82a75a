"""EPO Open Patent Services (OPS) XML responses: bibliographic, INPADOC legal and INPADOC family.

- ``epo-ops-biblio`` (``exchange-documents``): one :class:`PatentRecord` per ``exchange-document`` — numbers,
  title (zh preferred, en kept in ``title_en``), abstract, applicants, inventors, IPC, CPC, cited patents, priorities.
- ``epo-ops-legal`` (``patent-family legal="true"``): one record per family member carrying only its legal events;
  the kind of each event comes from the INPADOC code table (:func:`panhuo.patents.legal.kind_for_code`).
- ``epo-ops-family`` (``patent-family``): one record per member application carrying family size and countries.

Records carry only what the response says; the upsert merges them into the patent with the same canonical
application number and never clears a stored value. Application numbers come in DOCDB form and are mapped to
Panhuo's canonical form (:func:`application_no`); offices the number module does not know keep ``CC`` + DOCDB number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from lxml import etree

from panhuo.ingest.records import EventRecord, PartyRecord, PatentRecord, RowError
from panhuo.patents import legal, legal_codes, numbers

NS = {"e": "http://www.epo.org/exchange", "ops": "http://ops.epo.org"}
FORMATS = ("epo-ops-biblio", "epo-ops-legal", "epo-ops-family")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def detect(path: Path | str) -> str | None:
    """``epo-ops-biblio`` / ``epo-ops-legal`` / ``epo-ops-family`` for an OPS response, else ``None``."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if b"ops.epo.org" not in head or b"world-patent-data" not in head:
        return None
    if b"<exchange-documents" in head:
        return "epo-ops-biblio"
    if b"patent-family" in head:
        return "epo-ops-legal" if re.search(rb"patent-family[^>]*legal=\"true\"", head) else "epo-ops-family"
    return None


def read(path: Path | str) -> Iterator[PatentRecord | RowError]:
    """Records and errors of one OPS response file."""
    path = Path(path)
    kind = detect(path)
    try:
        root = etree.parse(str(path), _PARSER).getroot()
    except (etree.XMLSyntaxError, OSError) as exc:
        yield RowError(str(path), None, None, None, f"not well-formed XML ({exc})", "bad_file", fatal=True)
        return
    if kind == "epo-ops-biblio":
        items = _biblio(root, path)
    elif kind == "epo-ops-legal":
        items = _legal(root, path, legal_codes.load_code_table())
    elif kind == "epo-ops-family":
        items = _family(root, path)
    else:
        yield RowError(str(path), None, None, path.name, "not an EPO OPS biblio, legal or family response",
                       "unsupported_format", fatal=True)
        return
    for item in items:
        if isinstance(item, PatentRecord):
            item.source_file, item.source_format = str(path), kind
        yield item


# -- numbers ---------------------------------------------------------------------------------------------------
def application_no(country: str, number: str, original: str | None = None) -> str:
    """Canonical application number of a DOCDB application reference; raises :class:`numbers.NumberError`.

    ``US 94268010`` (serial + 2-digit year, original ``12942680``) → ``US12/942680``; ``US 201815919370`` →
    ``US15/919370``; an old US DOCDB number without the original form stays ``US20685698`` (the series code
    cannot be derived safely from the filing date: series switch mid-year); ``EP 99203729`` → ``EP99203729.1``;
    ``WO US2013050328`` → ``PCT/US2013/050328``;
    ``CN 201510012345`` → CN canonical; other offices → ``JP2005505120`` (country + DOCDB number).
    """
    country, number = country.strip().upper(), re.sub(r"\s+", "", number)
    if country == "US":
        series_serial = _us_series_serial(number, original)
        if series_serial is None:
            return f"US{number}"
        return numbers.parse_application_number(series_serial, country="US").canonical
    if country == "EP":
        return numbers.parse_application_number(number, country="EP").canonical
    if country == "CN":
        return numbers.parse_application_number(number, country="CN").canonical
    if country == "WO":
        match = re.fullmatch(r"([A-Z]{2})(\d{4})(\d{6})W?", number)
        if match:
            return numbers.parse_application_number(f"PCT/{match[1]}{match[2]}/{match[3]}").canonical
    if not re.fullmatch(r"[A-Z]{2}", country) or not re.fullmatch(r"[0-9A-Z]+", number):
        raise numbers.NumberError("bad_format", "not a DOCDB application number", f"{country} {number}")
    return f"{country}{number}"


def _us_series_serial(number: str, original: str | None) -> str | None:
    digits = re.sub(r"\D", "", original or "")
    if len(digits) == 8:
        return digits
    if len(number) == 12 and number[:2] in ("19", "20"):  # DOCDB since 2011: year + series + serial
        return number[4:]
    return None


def _publication(country: str, number: str, kind: str | None) -> str:
    """Canonical publication number, or country + number + kind for offices the number module does not know."""
    try:
        return numbers.parse_publication_number(f"{country}{number}{kind or ''}").canonical
    except numbers.NumberError:
        return f"{country}{number}{kind or ''}"


# -- small helpers -------------------------------------------------------------------------------------------
def _date(value: str | None) -> date | None:
    digits = re.sub(r"\D", "", value or "")
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])) if len(digits) >= 8 else None
    except ValueError:
        return None


def _text(element) -> str | None:
    if element is None:
        return None
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip() or None


def _docid(ref, kind: str = "docdb"):
    return ref.find(f"e:document-id[@document-id-type='{kind}']", NS) if ref is not None else None


def _f(element, path: str) -> str | None:
    value = element.findtext(path, namespaces=NS) if element is not None else None
    return value.strip() if value and value.strip() else None


def _app_ref(ref, path: Path, row: int) -> tuple[str | None, date | None, RowError | None]:
    """(canonical application number, filing date, error) of an ``application-reference``."""
    doc, epodoc = _docid(ref), _docid(ref, "epodoc")
    filed = _date(_f(doc, "e:date") or _f(epodoc, "e:date"))
    country, number = _f(doc, "e:country"), _f(doc, "e:doc-number")
    if not country or not number:
        return None, filed, RowError(str(path), row, "application_no", None, "no DOCDB application reference",
                                     "missing_id", fatal=True)
    try:
        return application_no(country, number, _f(_docid(ref, "original"), "e:doc-number")), filed, None
    except numbers.NumberError as exc:
        return None, filed, RowError(str(path), row, "application_no", f"{country} {number}", exc.reason,
                                     exc.code, fatal=True)


def _pub_fields(ref, fields: dict) -> None:
    doc = _docid(ref)
    country, number, kind = _f(doc, "e:country"), _f(doc, "e:doc-number"), _f(doc, "e:kind")
    if not country or not number:
        return
    pub = _publication(country, number, kind)
    grant = bool(kind) and kind[0] in "BCD" if country in ("US", "EP", "CN", "DE") else False
    key, day = ("grant_no", "grant_date") if grant else ("publication_no", "publication_date")
    fields[key], fields[day] = pub, _date(_f(doc, "e:date"))


def _clean(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if v not in (None, [], "", {})}


# -- biblio --------------------------------------------------------------------------------------------------
def _biblio(root, path: Path) -> Iterator[PatentRecord | RowError]:
    for row, doc in enumerate(root.iterfind(".//e:exchange-document", NS), start=1):
        if doc.get("status"):  # e.g. status="not found"
            yield RowError(str(path), row, None, doc.get("doc-number"), f"OPS says: {doc.get('status')}",
                           "not_found")
            continue
        bib = doc.find("e:bibliographic-data", NS)
        app_no, filed, error = _app_ref(bib.find("e:application-reference", NS) if bib is not None else None,
                                        path, row)
        if error:
            yield error
            continue
        fields: dict = {"filing_date": filed}
        _pub_fields(bib.find("e:publication-reference", NS), fields)
        titles = {t.get("lang", "en"): _text(t) for t in bib.iterfind("e:invention-title", NS)}
        abstracts = {a.get("lang", "en"): _text(a) for a in doc.iterfind("e:abstract", NS)}
        fields["title"] = titles.get("zh") or titles.get("en") or next(iter(titles.values()), None)
        fields["title_en"] = titles.get("en")
        fields["abstract"] = abstracts.get("zh") or abstracts.get("en") or next(iter(abstracts.values()), None)
        _classes(bib, fields)
        _citations(bib, fields)
        fields["priorities"] = _priorities(bib)
        if doc.get("family-id"):
            fields["extra"] = {"epo_family_id": doc.get("family-id")}
        yield PatentRecord(app_no, _clean(fields), _parties(bib), source_row=row)


def _classes(bib, fields: dict) -> None:
    ipcs = []
    for text in bib.iterfind("e:classifications-ipcr/e:classification-ipcr/e:text", NS):
        match = re.match(r"\s*([A-H]\d{2}[A-Z])\s*(\d+)\s*/\s*(\d+)", text.text or "")
        if match:
            ipcs.append(f"{match[1]}{int(match[2])}/{match[3]}")
    cpcs = []
    for c in bib.iterfind("e:patent-classifications/e:patent-classification", NS):
        scheme = c.find("e:classification-scheme", NS)
        if scheme is not None and not (scheme.get("scheme") or "").startswith("CPC"):
            continue
        parts = [_f(c, f"e:{t}") or "" for t in ("section", "class", "subclass", "main-group")]
        if all(parts):
            cpcs.append(f"{''.join(parts)}/{_f(c, 'e:subgroup') or '00'}")
    fields["ipc_all"] = list(dict.fromkeys(ipcs))
    fields["ipc_main"] = ipcs[0] if ipcs else None
    fields["cpc"] = list(dict.fromkeys(cpcs))


def _citations(bib, fields: dict) -> None:
    cited = []
    for patcit in bib.iterfind("e:references-cited/e:citation/e:patcit", NS):
        doc = _docid(patcit)
        if doc is not None and _f(doc, "e:doc-number"):
            cited.append(_publication(_f(doc, "e:country") or "", _f(doc, "e:doc-number"), _f(doc, "e:kind")))
    npl = bib.findall("e:references-cited/e:citation/e:nplcit", NS)
    if cited:
        fields["backward_citations"] = list(dict.fromkeys(cited))
        fields["backward_citation_count"] = len(fields["backward_citations"])
    if npl:
        fields["npl_citation_count"] = len(npl)


def _priorities(bib) -> list[dict]:
    out = []
    for claim in bib.iterfind("e:priority-claims/e:priority-claim", NS):
        epodoc, docdb = _docid(claim, "epodoc"), _docid(claim)
        number = _f(epodoc, "e:doc-number") or "".join(filter(None, (_f(docdb, "e:country"),
                                                                     _f(docdb, "e:doc-number"))))
        day = _date(_f(epodoc, "e:date") or _f(docdb, "e:date"))
        if number:
            out.append({"number": number, "date": day.isoformat() if day else None,
                        "country": _f(docdb, "e:country") or number[:2]})
    return out


def _parties(bib) -> list[PartyRecord]:
    out: list[PartyRecord] = []
    for role, tag in (("applicant", "applicant"), ("inventor", "inventor")):
        found = bib.findall(f"e:parties/e:{tag}s/e:{tag}", NS)
        chosen = [p for p in found if p.get("data-format") == "original"] or \
            [p for p in found if p.get("data-format") == "epodoc"] or found
        countries = {p.get("sequence"): _country(p) for p in found if p.get("data-format") == "epodoc"}
        for position, party in enumerate(chosen):
            name = _name(_text(party.find(f"e:{tag}-name/e:name", NS)))
            if name:
                out.append(PartyRecord(role, name, position,
                                       country=_country(party) or countries.get(party.get("sequence"))))
    return out


def _name(raw: str | None) -> str | None:
    if not raw:
        return None
    name = re.sub(r"\s*\[[A-Z]{2}\]\s*$", "", raw)
    return name.strip(" ,;") or None


def _country(party) -> str | None:
    match = re.search(r"\[([A-Z]{2})\]\s*$", _text(party.find(".//e:name", NS)) or "")
    return match[1] if match else None


# -- family --------------------------------------------------------------------------------------------------
def _family(root, path: Path) -> Iterator[PatentRecord | RowError]:
    members: dict[str, PatentRecord] = {}
    countries: set[str] = set()
    for row, member in enumerate(root.iterfind(".//ops:family-member", NS), start=1):
        app_no, filed, error = _app_ref(member.find("e:application-reference", NS), path, row)
        if error:
            yield error
            continue
        record = members.get(app_no)
        if record is None:
            record = members[app_no] = PatentRecord(app_no, {"filing_date": filed}, source_row=row)
        _pub_fields(member.find("e:publication-reference", NS), record.fields)
        if member.get("family-id"):
            record.fields["extra"] = {"epo_family_id": member.get("family-id")}
        country = _f(_docid(member.find("e:application-reference", NS)), "e:country")
        countries.add(country or app_no[:2])
    for record in members.values():
        record.fields.update(family_size=len(members), family_countries=sorted(countries))
        record.fields = _clean(record.fields)
        yield record


# -- legal ---------------------------------------------------------------------------------------------------
def _legal(root, path: Path, table: dict) -> Iterator[PatentRecord | RowError]:
    for row, member in enumerate(root.iterfind(".//ops:family-member", NS), start=1):
        app_no, filed, error = _app_ref(member.find("e:application-reference", NS), path, row)
        if error:
            yield error
            continue
        fields: dict = {"filing_date": filed}
        _pub_fields(member.find("e:publication-reference", NS), fields)
        events = [_event(e, table) for e in member.iterfind("ops:legal", NS)]
        yield PatentRecord(app_no, _clean(fields), events=events, source_row=row)


_COUNTERPARTY = ("OWNER", "OPPONENT", "LICENSEE", "PLEDGEE", "NEW OWNER")


def _event(element, table: dict) -> EventRecord:
    code = (element.get("code") or "").strip().upper()
    authority = _f(element, "ops:L001EP") or "EP"
    details: dict = {"authority": authority, "influence": (element.get("infl") or "").strip() or None}
    for item in element.iterfind("ops:L500EP/*", NS):
        label, value = item.get("desc") or etree.QName(item).localname, _text(item)
        if value:
            details[label] = value if label not in details else f"{details[label]}; {value}"
    kind = legal.kind_for_code(code, authority=authority, table=table) if code else None
    counterparty = next((details[k] for k in details if k.upper() in _COUNTERPARTY), None)
    description = " | ".join(filter(None, [element.get("desc")] + [
        f"{k}: {v}" for k, v in details.items() if k not in ("authority", "influence") and v]))
    return EventRecord(kind=str(kind or "other"), event_date=_date(_f(element, "ops:L007EP")), code=code or None,
                       description=description or None, counterparty=(counterparty or None) and counterparty[:300],
                       details={k: v for k, v in details.items() if v})
