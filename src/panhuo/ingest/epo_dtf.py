"""EPO Deep Tech Finder CSV reader: EP applications of universities, one row per (university, application).

Three CSV layouts come out of the Deep Tech Finder work (``epo-deeptechfinder-de-univ``):

* ``epo-dtf`` — the Deep Tech Finder export itself: ``University, …, Application_title, Espacenet_link,
  Filing_year, Patent_status, Technical_field``. The EP application number is the ``q=`` of the Espacenet link
  (``EP80100298A``: 8 digits, ``A`` = application); ``Filing_year`` is in fact an American ``M/D/YY`` date.
  A patent co-owned by two universities appears on one row per university: every such row yields the
  application with all its universities as applicants (in file order), so the import sees one consistent record.
* ``epo-dtf-analysis`` — per-university files enriched from EPO OPS (``ep_patent, title, normalized_applicants,
  normalized_inventors, priority_claims, ipc_classes, cpc_classes, application_number, filing_date``); list cells
  are Python list literals. OPS gives each name twice (EPODOC and original spelling): names with the same party
  key are kept once.
* ``epo-dtf-applicants`` — a list of co-applicant names with a type, not patents: rejected with a clear message.

The reader is pure (no database). Legal status: ``EP granted`` → valid (EPO grant; national renewals after
grant are not in the file, so a grant older than 20 years from filing is reported as expired),
``Refused / Withdrawn`` → withdrawn (the export does not separate refusal from withdrawal; raw text kept),
``Pending`` → pending.
"""

from __future__ import annotations

import ast
import csv
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from panhuo.ingest import values
from panhuo.ingest.records import PartyRecord, PatentRecord, RowError
from panhuo.patents import numbers, parties
from panhuo.patents.enums import LegalStatus, PartyKind, PartyRole, PatentType

DTF = "epo-dtf"
ANALYSIS = "epo-dtf-analysis"
APPLICANTS = "epo-dtf-applicants"
SIGNATURES = {
    DTF: ("University", "Application_title", "Espacenet_link", "Patent_status"),
    ANALYSIS: ("ep_patent", "normalized_applicants", "application_number", "filing_date"),
    APPLICANTS: ("applicant", "type"),
}
STATUSES = {"EP GRANTED": LegalStatus.VALID, "EP GRANTED & UNITARY": LegalStatus.VALID,
            "REFUSED / WITHDRAWN": LegalStatus.WITHDRAWN, "PENDING": LegalStatus.PENDING}
TERM_YEARS = 20
_LINK = re.compile(r"[?&]q=(?P<no>[^&#]+)")
_EP_NO = re.compile(r"^EP(?P<digits>\d{8})(?:\.(?P<check>\d))?A?$")
_US_DATE = re.compile(r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{2}|\d{4})$")


def _header(path: Path) -> list[str] | None:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader(fh), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def detect(path: Path | str) -> str | None:
    """``epo-dtf``, ``epo-dtf-analysis`` or ``epo-dtf-applicants`` when the CSV header is one of them, else ``None``."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return None
    header = _header(path)
    if not header:
        return None
    names = {h.strip() for h in header}
    for kind, signature in SIGNATURES.items():
        if names.issuperset(signature) and (kind != APPLICANTS or len(names) == 2):
            return kind
    return None


def read(path: Path | str) -> Iterator[PatentRecord | RowError]:
    """Records and errors of one Deep Tech Finder CSV, in file order (a row's errors before its record)."""
    path = Path(path)
    kind = detect(path)
    if kind is None or kind == APPLICANTS:
        reason = ("a list of co-applicant names and their type, not patents: nothing to import"
                  if kind == APPLICANTS else "not an EPO Deep Tech Finder CSV (no University/Espacenet_link "
                  "or ep_patent/normalized_applicants columns)")
        yield RowError(str(path), None, None, path.name, reason, "unsupported_format", fatal=True)
        return
    owners = _owners(path) if kind == DTF else {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for number, row in enumerate(csv.DictReader(fh), start=1):
            errors: list[RowError] = []
            record = _dtf_row(row, str(path), number, errors, owners) if kind == DTF else \
                _analysis_row(row, str(path), number, errors)
            yield from errors
            if record is not None:
                record.source_file, record.source_row, record.source_format = str(path), number, kind
                yield record


def _owners(path: Path) -> dict[str, list[str]]:
    """Universities per application number (a co-owned application is on one row per university)."""
    found: dict[str, list[str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            university = values.clean_text(row.get("University"))
            try:
                key = application_from_link(row.get("Espacenet_link")).canonical
            except numbers.NumberError:
                continue
            if university and university not in found.setdefault(key, []):
                found[key].append(university)
    return found


# -- pure helpers ------------------------------------------------------------------------------------------
def application_from_link(link: object) -> numbers.ApplicationNumber:
    """The EP application number of an Espacenet link (``…?q=EP80100298A``) or a bare ``EP80100298A``."""
    text = values.clean_text(link) or ""
    match = _LINK.search(text)
    token = (match["no"] if match else text).strip().upper()
    number = _EP_NO.match(token)
    if not number:
        raise numbers.NumberError("bad_format", "not an EP application number (EP + 8 digits, optional A)", link)
    given = f".{number['check']}" if number["check"] else ""
    return numbers.parse_application_number(f"EP{number['digits']}{given}", country="EP")


def parse_us_date(raw: object) -> date | None:
    """``1/22/80`` → 1980-01-22 (month first; two-digit years ≥ 78 are 19xx, EP filings start in 1978)."""
    text = values.clean_text(raw)
    if not text:
        return None
    match = _US_DATE.match(text)
    if not match:
        return values.parse_date(text)
    year = int(match["y"])
    if year < 100:
        year += 1900 if year >= 78 else 2000
    try:
        return date(year, int(match["m"]), int(match["d"]))
    except ValueError:
        raise values.ValueProblem("bad_date", f"{text!r} is not a calendar date (month/day/year)") from None


def legal_status(raw: object, filing: date | None, today: date | None = None) -> LegalStatus:
    """The normalised status of a Deep Tech Finder ``Patent_status`` (see the module docstring)."""
    status = STATUSES.get(re.sub(r"\s+", " ", str(raw or "")).strip().upper(), LegalStatus.UNKNOWN)
    today = today or date.today()
    if status is LegalStatus.VALID and filing is not None and \
            (today.year - filing.year, today.month, today.day) > (TERM_YEARS, filing.month, filing.day):
        return LegalStatus.EXPIRED
    return status


def _title(raw: object) -> str | None:
    text = values.clean_text(raw)
    return text.removesuffix(".").strip() or None if text else None


def _dtf_row(row: dict, file: str, number: int, errors: list[RowError],
             owners: dict[str, list[str]]) -> PatentRecord | None:
    raw_link = row.get("Espacenet_link")
    try:
        app = application_from_link(raw_link)
    except numbers.NumberError as exc:
        errors.append(RowError(file, number, "Espacenet_link", raw_link, exc.reason, exc.code, fatal=True))
        return None
    fields: dict = {"application_no_raw": (values.clean_text(raw_link) or "").rsplit("=", 1)[-1],
                    "patent_type": PatentType.INVENTION.value}
    try:
        fields["filing_date"] = parse_us_date(row.get("Filing_year"))
    except values.ValueProblem as exc:
        errors.append(RowError(file, number, "Filing_year", row.get("Filing_year"), exc.reason, exc.code))
    title = _title(row.get("Application_title"))
    if title:
        fields["title"] = fields["title_en"] = title
    raw_status = values.clean_text(row.get("Patent_status"))
    if raw_status:
        status = legal_status(raw_status, fields.get("filing_date"))
        if status is LegalStatus.UNKNOWN:
            errors.append(RowError(file, number, "Patent_status", raw_status,
                                   "unknown Deep Tech Finder status (expected EP granted, EP granted & Unitary, "
                                   "Refused / Withdrawn or Pending)", "unknown_status"))
        fields["legal_status"], fields["legal_status_raw"] = status.value, raw_status
    field_name = values.clean_text(row.get("Technical_field"))
    if field_name and field_name != "Other":
        fields["extra"] = {"deep_tech_field": field_name}
    university = values.clean_text(row.get("University"))
    if not university:
        errors.append(RowError(file, number, "University", None, "no university named on the row", "missing_value"))
    names = owners.get(app.canonical) or ([university] if university else [])
    applicants = [PartyRecord(PartyRole.APPLICANT.value, name, i, PartyKind.UNIVERSITY.value, "DE")
                  for i, name in enumerate(names)]
    return PatentRecord(app.canonical, {k: v for k, v in fields.items() if v not in (None, "")}, applicants)


def _literal_list(raw: object, column: str, file: str, number: int, errors: list[RowError]) -> list[str]:
    text = values.clean_text(raw)
    if not text:
        return []
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = None
    if not isinstance(value, list):
        errors.append(RowError(file, number, column, text, "not a list such as ['A', 'B']", "bad_list"))
        return []
    return [str(v).strip() for v in value if str(v).strip()]


def _unique_names(names: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for name in names:
        key = parties.party_key(name)
        if key and key not in seen:
            seen.add(key)
            kept.append(name)
    return kept


def _analysis_row(row: dict, file: str, number: int, errors: list[RowError]) -> PatentRecord | None:
    raw_no = row.get("ep_patent")
    try:
        app = application_from_link(raw_no)
    except numbers.NumberError as exc:
        errors.append(RowError(file, number, "ep_patent", raw_no, exc.reason, exc.code, fatal=True))
        return None
    fields: dict = {"application_no_raw": values.clean_text(row.get("application_number")) or raw_no,
                    "patent_type": PatentType.INVENTION.value}
    try:
        fields["filing_date"] = values.parse_date(row.get("filing_date"))
    except values.ValueProblem as exc:
        errors.append(RowError(file, number, "filing_date", row.get("filing_date"), exc.reason, exc.code))
    title = _title(row.get("title"))
    if title:
        fields["title"] = fields["title_en"] = title
    ipc = list(dict.fromkeys(_literal_list(row.get("ipc_classes"), "ipc_classes", file, number, errors)))
    cpc = list(dict.fromkeys(_literal_list(row.get("cpc_classes"), "cpc_classes", file, number, errors)))
    if ipc:
        fields["ipc_all"], fields["ipc_main"] = ipc, ipc[0]
    if cpc:
        fields["cpc"] = cpc
    fields["priorities"] = [_priority(p) for p in
                            _literal_list(row.get("priority_claims"), "priority_claims", file, number, errors)]
    found = [PartyRecord(PartyRole.APPLICANT.value, n, i) for i, n in enumerate(_unique_names(
        _literal_list(row.get("normalized_applicants"), "normalized_applicants", file, number, errors)))]
    found += [PartyRecord(PartyRole.INVENTOR.value, n, i) for i, n in enumerate(_unique_names(
        _literal_list(row.get("normalized_inventors"), "normalized_inventors", file, number, errors)))]
    return PatentRecord(app.canonical, {k: v for k, v in fields.items() if v not in (None, "", [])}, found)


def _priority(text: str) -> dict:
    number, _, when = text.partition("·")
    return {"number": number.strip(), "date": when.strip() or None}
