"""Legal status and legal events: vendor status strings → :class:`LegalStatus`; 法律事件 text and INPADOC codes →
:class:`EventRecord` with kind, date, counterparty and contract details.

Pure: the rules are in the versioned ``data/legal.yaml``. The full EPO/INPADOC code table is *data passed in*
(see :mod:`panhuo.patents.legal_codes` for loading it from the reference set); without it the built-in CN codes apply.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import yaml

from panhuo.ingest.records import EventRecord
from panhuo.patents.enums import EventKind, LegalStatus

_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:[-./年]\s*(\d{1,2})[-./月]\s*(\d{1,2})日?|(\d{2})(\d{2}))(?!\d)")
_CODE = re.compile(r"(?<![A-Z0-9])([A-Z]{1,4}\d{0,2}[A-Z]?)(?![A-Za-z0-9])")
_LABEL = re.compile(r"([\u4e00-\u9fff()（）]{2,12})\s*[:：]\s*")


@dataclass(frozen=True)
class CodeInfo:
    """One INPADOC legal event code as described by the EPO table."""

    authority: str
    code: str
    description: str
    event_class: str = ""
    influence: str = ""


@cache
def rules() -> dict:
    """The legal rules (``data/legal.yaml``), parsed once."""
    text = resources.files("panhuo.patents").joinpath("data/legal.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def normalise_legal_status(raw: object) -> LegalStatus:
    """``有权-审定授权`` → valid, ``审中-实质审查`` → pending, ``无权-未缴年费`` → lapsed, ``失效`` → lapsed,
    ``Expired - Lifetime`` → expired, ``Abandoned`` → withdrawn …; unknown text → ``unknown``."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().upper()
    if not text:
        return LegalStatus.UNKNOWN
    for status, needles in rules()["statuses"]:
        if any(n.upper() in text for n in needles):
            return LegalStatus(status)
    return LegalStatus.UNKNOWN


def parse_date(text: str) -> date | None:
    """First date in ``text`` (``2019-03-25``, ``2019.03.25``, ``20190325``, ``2019年3月25日``), else ``None``."""
    for match in _DATE.finditer(text):
        year = int(match[1])
        month, day = (match[2], match[3]) if match[2] else (match[4], match[5])
        try:
            return date(year, int(month), int(day))
        except ValueError:
            continue
    return None


def kind_for_code(code: str, *, authority: str = "CN", table: dict[tuple[str, str], CodeInfo] | None = None
                  ) -> EventKind | None:
    """Event kind of an INPADOC code: the built-in CN list first, then the EPO table (description and event
    class) when given; ``None`` when the code is unknown."""
    code = code.strip().upper()
    built_in = rules()["cn_codes"].get(code) if authority == "CN" else None
    if built_in:
        return EventKind(built_in)
    info = (table or {}).get((authority, code))
    if info is None:
        return None
    description = info.description.upper()
    by_text = None if description.startswith("NO ") else _kind_from_title(description, english=True)
    if by_text is not None:
        return by_text
    return EventKind(rules()["event_classes"].get(info.event_class, "other"))


_EN_TITLES = [
    (EventKind.PLEDGE_RELEASE, r"PLEDGE.*(CANCEL|RELEASE)"), (EventKind.PLEDGE, r"PLEDGE|SECURITY INTEREST"),
    (EventKind.OPEN_LICENCE, r"INTENTION TO LICEN|LICEN[CS]E OF RIGHT|WILLINGNESS TO LICEN"),
    (EventKind.LICENCE, r"LICEN[CS]"), (EventKind.TRANSFER, r"TRANSFER|ASSIGNMENT|SUCCESSION"),
    (EventKind.INVALIDATION, r"INVALIDAT|REVOCATION|REVOKED|OPPOSITION"),
    (EventKind.EXPIRY, r"EXPIR"), (EventKind.LAPSE, r"LAPSE|NON-?PAYMENT|CESSATION|ABANDON|TERMINAT"),
    (EventKind.RESTORATION, r"RESTORATION|REINSTATEMENT|RE-ESTABLISHMENT"), (EventKind.GRANT, r"\bGRANT"),
]


def _kind_from_title(title: str, *, english: bool = False) -> EventKind | None:
    if english:
        return next((kind for kind, pattern in _EN_TITLES if re.search(pattern, title)), None)
    for kind, patterns in rules()["event_titles"]:
        if any(re.search(p, title) for p in patterns):
            return EventKind(kind)
    return None


def parse_cn_legal_events(text: object, *, table: dict[tuple[str, str], CodeInfo] | None = None
                          ) -> list[EventRecord]:
    """Events in a 法律事件 / 法律状态 cell or CNIPA announcement text, one per dated entry.

    Entries are separated by new lines, ``;``/``；`` or ``|``; a piece without a date continues the previous entry.
    Each gets a kind (from its INPADOC code or its title), the effective date (登记生效日/备案日期/终止日期 … else
    the announcement date), the counterparty (new owner, licensee, pledgee, invalidation requester) and details
    (from, licensor, licence_type exclusive/sole/non_exclusive, contract_no, registration_no, announced …).
    """
    if text is None:
        return []
    clean = unicodedata.normalize("NFKC", str(text)).strip()
    return [event for entry in _entries(clean) if (event := _event(entry, table)) is not None]


def _entries(text: str) -> list[str]:
    entries: list[str] = []
    for piece in re.split(r"\s*(?:\n|;|；|\|)\s*", text):
        if not piece:
            continue
        starts_new = not entries or (_DATE.match(piece) is not None and parse_date(piece[:12]) is not None)
        if starts_new:
            entries.append(piece)
        else:
            entries[-1] += " " + piece
    return entries


def _event(entry: str, table: dict | None) -> EventRecord | None:
    fields = _fields(entry)
    head = _LABEL.split(entry, maxsplit=1)[0] if _LABEL.search(entry) else entry
    code = next((c for c in _CODE.findall(head) if _known_code(c, table)), None)
    kind = kind_for_code(code, table=table) if code else None
    title = _title(head)
    kind = kind or _kind_from_title(title) or _kind_from_title(title.upper(), english=True) or EventKind.OTHER
    announced = parse_date(head)
    details = {k: v for k, v in fields.items() if k != "effective"}
    if announced:
        details["announced"] = announced.isoformat()
    _add_contract_details(kind, title, code, details)
    effective = parse_date(fields.get("effective", "")) or announced
    if effective is None and not title:
        return None
    return EventRecord(kind=kind.value, event_date=effective, code=code, description=title or None,
                       counterparty=_counterparty(kind, details), details=details)


def _known_code(code: str, table: dict | None) -> bool:
    return code in rules()["cn_codes"] or bool(table and ("CN", code) in table) or bool(
        re.fullmatch(r"C\d{2}|[A-Z]{2}\d{2}", code))


def _title(head: str) -> str:
    title = _DATE.sub(" ", head)
    title = _CODE.sub(" ", title.replace("IPC", " "))
    return re.sub(r"[\s:：,，]+", " ", title).strip(" -")


def _fields(entry: str) -> dict[str, str]:
    labels = rules()["fields"]
    parts = _LABEL.split(entry)
    found: dict[str, str] = {}
    for label, value in zip(parts[1::2], parts[2::2], strict=False):
        label = label.strip()
        name = labels.get(label) or next((labels[label[i:]] for i in range(1, len(label) - 1)
                                          if label[i:] in labels), None)
        value = value.strip(" ;；,，")
        if name and value and name not in found:
            found[name] = value
    return found


def _add_contract_details(kind: EventKind, title: str, code: str | None, details: dict) -> None:
    action = rules()["code_actions"].get(code or "")
    if action is None and re.search(r"注销|解除|撤回|撤销", title):
        action = "cancelled"
    elif action is None and "变更" in title and kind in (EventKind.LICENCE, EventKind.PLEDGE):
        action = "changed"
    if action:
        details["action"] = action
    if kind == EventKind.LICENCE:
        for old, new in (("to", "licensee"), ("from", "licensor")):
            if old in details and new not in details:
                details[new] = details.pop(old)
        stated = details.get("licence_type", "")
        types = rules()["licence_types"]
        details["licence_type"] = next((v for k, v in types.items() if k in stated), None)
        if details["licence_type"] is None:
            details["licence_type_stated"] = False  # SPC Art. 25: an unclear licence is 普通
            details["licence_type"] = "non_exclusive"
    if kind == EventKind.INVALIDATION:
        result = details.get("result", "") + " " + title
        if "全部无效" in result or action == "full":
            details["result"] = "full"
        elif "部分无效" in result or action == "partial":
            details["result"] = "partial"
        elif "维持" in result:
            details["result"] = "upheld"


def _counterparty(kind: EventKind, details: dict) -> str | None:
    keys = {EventKind.TRANSFER: ("to",), EventKind.LICENCE: ("licensee", "to"),
            EventKind.PLEDGE: ("pledgee",), EventKind.PLEDGE_RELEASE: ("pledgee",),
            EventKind.INVALIDATION: ("requester",)}.get(kind, ())
    return next((details[k] for k in keys if details.get(k)), None)
