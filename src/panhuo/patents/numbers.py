"""Patent numbers: parse, validate and normalise CN, US, EP and PCT/WO application and publication numbers.

Pure functions, no I/O. Every problem is a :class:`NumberError` with a short machine ``code``:

``empty``, ``bad_format``, ``bad_check_digit``, ``impossible_date``, ``unknown_kind``, ``kind_mismatch``,
``unknown_country``.

CN application numbers (专利申请号, ZC 0006-2003 and its predecessors) in the three historical forms:

* ``8-digit`` (1985–1988): ``YY`` + kind + 5-digit serial, e.g. ``85100312``; no check digit was assigned
  then, so the canonical form has none (``CN85100312``); a supplied one is verified like the later ones.
* ``9-digit`` (1989 – 30 Sep 2003): the same 8 digits plus a check digit, e.g. ``97101765.4``.
* ``12-digit`` (from 1 Oct 2003): ``YYYY`` + kind + 7-digit serial + check digit, e.g. ``202223220665.2``.

Kind (5th/3rd digit): 1 invention, 2 utility model, 3 design, 8 PCT invention and 9 PCT utility model entering
the Chinese national phase (China joined the PCT on 1 Jan 1994). The CNIPA XML "standard" form
(``102021001286633``: 2-digit application-type code, year, 9-digit serial) is accepted too.

Check digit: the digits are multiplied by the weights 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 in order, the sum is
taken mod 11 and 10 is written ``X``. Verified against every real number in the shared samples.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from panhuo.patents.enums import PatentType

CN_KINDS = {1: PatentType.INVENTION, 2: PatentType.UTILITY_MODEL, 3: PatentType.DESIGN,
            8: PatentType.INVENTION, 9: PatentType.UTILITY_MODEL}
PCT_KINDS = frozenset({8, 9})
FIRST_YEAR = 1985  # the Patent Law took effect on 1 Apr 1985
PCT_FROM_YEAR = 1994
TWELVE_DIGIT_FROM = date(2003, 10, 1)
# CNIPA "standard" (ST.36 XML) application-type codes → kind digit
STANDARD_TYPE_CODES = {"10": 1, "11": 8, "20": 2, "21": 9, "30": 3}

# CN publication kind codes: base letter → (patent type, meaning)
CN_PUB_KINDS = {
    "A": (PatentType.INVENTION, "invention application published"),
    "B": (PatentType.INVENTION, "invention examined (1985–1992) / granted (from 2010)"),
    "C": (PatentType.INVENTION, "invention granted (1993–2010)"),
    "U": (PatentType.UTILITY_MODEL, "utility model application (1985–1992) / granted (from 2010)"),
    "Y": (PatentType.UTILITY_MODEL, "utility model granted (1993–2010)"),
    "S": (PatentType.DESIGN, "design application (1985–1992) / granted (from 2010)"),
    "D": (PatentType.DESIGN, "design granted (1993–2010)"),
}
CN_TYPE_DIGIT = {PatentType.INVENTION: "1", PatentType.UTILITY_MODEL: "2", PatentType.DESIGN: "3"}
US_KINDS = frozenset({"A", "A1", "A2", "A9", "B", "B1", "B2", "C1", "C2", "C3", "E", "E1", "H", "H1", "I4",
                      "I5", "P", "P1", "P2", "P3", "P4", "P9", "S", "S1", "F1"})
EP_KINDS = frozenset({"A1", "A2", "A3", "A4", "A8", "A9", "B1", "B2", "B3", "B8", "B9"})
WO_KINDS = frozenset({"A1", "A2", "A3", "A4", "A8", "A9"})
_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9)


class NumberError(ValueError):
    """A number that cannot be accepted: ``code`` (machine), ``reason`` (one sentence), ``value`` (as given)."""

    def __init__(self, code: str, reason: str, value: object):
        self.code = code
        self.reason = reason
        self.value = value
        super().__init__(f"{reason}: {value!r}")


@dataclass(frozen=True)
class ApplicationNumber:
    """A parsed application number. ``year``/``kind``/``check_digit`` are ``None`` where the office has none."""

    country: str
    year: int | None
    kind: int | None
    serial: str
    check_digit: str | None
    format: str  # "12-digit" | "9-digit" | "8-digit" | "us" | "ep" | "pct"
    check_digit_given: bool = False

    @property
    def digits(self) -> str:
        """The number without country, separator and check digit (CN: 8 or 12 digits)."""
        if self.format == "12-digit":
            return f"{self.year:04d}{self.kind}{self.serial}"
        if self.format in ("9-digit", "8-digit"):
            return f"{self.year % 100:02d}{self.kind}{self.serial}"
        return self.serial

    @property
    def canonical(self) -> str:
        """One spelling per application, e.g. ``CN202223220665.2``, ``CN85100312``, ``US16/123456``."""
        if self.country == "CN":
            if self.format == "8-digit":
                return f"CN{self.digits}"
            return f"CN{self.digits}.{self.check_digit}"
        if self.format == "pct":
            return f"PCT/{self.serial}"
        if self.format == "ep":
            return f"EP{self.serial}.{self.check_digit}"
        return f"{self.country}{self.serial}"

    @property
    def patent_type(self) -> PatentType | None:
        return CN_KINDS.get(self.kind) if self.kind is not None else None

    @property
    def is_pct_national_phase(self) -> bool:
        return self.kind in PCT_KINDS

    def __str__(self) -> str:
        return self.canonical


@dataclass(frozen=True)
class PublicationNumber:
    """A parsed publication / grant number: ``canonical`` is country + number + kind, e.g. ``CN218751475U``."""

    country: str
    number: str
    kind: str | None

    @property
    def canonical(self) -> str:
        return f"{self.country}{self.number}{self.kind or ''}"

    @property
    def patent_type(self) -> PatentType | None:
        """CN: from the first digit (1/2/3) or the kind; US: designs (``D…``); else ``None``."""
        if self.country == "CN":
            digit = self.number[2] if len(self.number) == 8 else self.number[0]
            return {v: k for k, v in CN_TYPE_DIGIT.items()}.get(digit)
        if self.country == "US" and self.number.startswith("D"):
            return PatentType.DESIGN
        return None

    @property
    def is_grant(self) -> bool | None:
        """True for a granted patent's document, False for an application publication, None when unknown."""
        if not self.kind:
            return None
        base = self.kind[0]
        if self.country == "CN":
            return base != "A"
        if self.country in ("US", "EP"):
            return base != "A"
        return False

    def __str__(self) -> str:
        return self.canonical


@dataclass(frozen=True)
class LinkCheck:
    """Result of :func:`link`: ``plausible`` and the reasons when it is not."""

    plausible: bool
    reasons: tuple[str, ...] = ()


def compute_check_digit(digits: str) -> str:
    """CN check digit of an 8- or 12-digit application number: weights 2–9 cycling, sum mod 11, 10 → ``X``."""
    if not digits.isdigit() or not digits.isascii():
        raise NumberError("bad_format", "check digits are computed from decimal digits only", digits)
    total = sum(int(d) * _WEIGHTS[i % 8] for i, d in enumerate(digits))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def clean(value: object) -> str:
    """NFKC (full-width → half-width), upper case, no spaces or invisible characters."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).upper()
    text = text.replace("\u00b7", ".").replace("\u2022", ".").replace("\u3002", ".")
    return re.sub(r"[\s\u200b\ufeff]+", "", text)


_CN_APP = re.compile(r"^(?P<digits>\d{8}|\d{12}|\d{15})(?:\.?(?P<check>[0-9X]))?$")
_LABEL = re.compile(r"^(?:申请号|专利号|APPLICATIONNO|APPLNO)[:.]?")


def parse_application_number(value: object, *, country: str | None = None,
                             today: date | None = None) -> ApplicationNumber:
    """Parse an application number as typed, exported or printed; raise :class:`NumberError` when invalid.

    Bare digits are Chinese unless ``country`` says otherwise. Accepts ``ZL``/``CN`` prefixes, spaces, full-width
    characters, ``.``/``·`` before the check digit or none, lower-case ``x``, US series-code numbers
    (``16/123,456``), EP numbers (``EP07757453.1``) and PCT numbers (``PCT/CN2014/000788``).
    """
    text = _LABEL.sub("", clean(value))
    if not text:
        raise NumberError("empty", "no application number", value)
    if text.startswith("PCT"):
        return _parse_pct_application(text, value)
    if text.startswith("EP") or country == "EP":
        return _parse_ep_application(text.removeprefix("EP"), value)
    if text.startswith("US") or country == "US" or "/" in text:
        return _parse_us_application(text.removeprefix("US"), value)
    stripped = re.sub(r"^(?:ZL|CN)+", "", text)
    prefix = re.match(r"^[A-Z]{2}(?=\d)", stripped)
    if prefix or (country and country.upper() != "CN"):
        found = prefix.group(0) if prefix else country
        raise NumberError("unknown_country", f"application numbers of {found} are not supported", value)
    return _parse_cn_application(stripped, value, today or date.today())


def _parse_cn_application(text: str, raw: object, today: date) -> ApplicationNumber:
    match = _CN_APP.match(text)
    if not match:
        raise NumberError("bad_format", "not a CN application number (8, 12 or 15 digits, optional check digit)",
                          raw)
    digits, given = match["digits"], match["check"]
    if len(digits) == 15:
        digits = _from_standard_form(digits, raw)
    if len(digits) == 12:
        year, kind, serial, fmt = int(digits[:4]), int(digits[4]), digits[5:], "12-digit"
    else:
        yy = int(digits[:2])
        year = 1900 + yy if yy >= 85 else 2000 + yy
        kind, serial = int(digits[2]), digits[3:]
        fmt = "8-digit" if year <= 1988 else "9-digit"
    _check_year_and_kind(year, kind, fmt, raw, today)
    check = compute_check_digit(digits)
    if given is not None and given != check:
        raise NumberError("bad_check_digit", f"check digit is {check}, not {given}", raw)
    return ApplicationNumber("CN", year, kind, serial, check, fmt, check_digit_given=given is not None)


def _from_standard_form(digits: str, raw: object) -> str:
    """``102021001286633`` (type code, year, 9-digit serial) → ``202111286633`` / ``85100312``."""
    code, year, serial = digits[:2], int(digits[2:6]), digits[6:]
    kind = STANDARD_TYPE_CODES.get(code)
    if kind is None:
        raise NumberError("unknown_kind", f"unknown application type code {code} in standard-form number", raw)
    old_style = year < 2003 or (year == 2003 and int(serial) < 100000)
    if old_style:
        if int(serial) >= 100000:
            raise NumberError("bad_format", "serial too long for a number filed before Oct 2003", raw)
        return f"{year % 100:02d}{kind}{serial[-5:]}"
    if int(serial) >= 10_000_000:
        raise NumberError("bad_format", "serial longer than 7 digits", raw)
    return f"{year:04d}{kind}{serial[-7:]}"


def _check_year_and_kind(year: int, kind: int, fmt: str, raw: object, today: date) -> None:
    if kind not in CN_KINDS:
        raise NumberError("unknown_kind", f"unknown application kind {kind} (expected 1, 2, 3, 8 or 9)", raw)
    if year < FIRST_YEAR or year > today.year:
        raise NumberError("impossible_date", f"filing year {year} is outside {FIRST_YEAR}–{today.year}", raw)
    if fmt == "12-digit" and year < TWELVE_DIGIT_FROM.year:
        raise NumberError("impossible_date", f"12-digit numbers start in Oct 2003, not {year}", raw)
    if fmt != "12-digit" and year > TWELVE_DIGIT_FROM.year:
        raise NumberError("impossible_date", f"8-digit numbers ended in Sep 2003; year {year} needs 12 digits", raw)
    if kind in PCT_KINDS and year < PCT_FROM_YEAR:
        raise NumberError("impossible_date", f"PCT national-phase kind {kind} before China joined PCT (1994)", raw)


_US_APP = re.compile(r"^(?P<series>\d{2})/?(?P<serial>\d{3},?\d{3})$")


def _parse_us_application(text: str, raw: object) -> ApplicationNumber:
    match = _US_APP.match(text.replace("-", "/"))
    if not match:
        raise NumberError("bad_format", "not a US application number (series code / 6-digit serial)", raw)
    serial = match["serial"].replace(",", "")
    return ApplicationNumber("US", None, None, f"{match['series']}/{serial}", None, "us")


_EP_APP = re.compile(r"^(?P<digits>\d{8})(?:\.(?P<check>\d))?$")


def _parse_ep_application(text: str, raw: object) -> ApplicationNumber:
    match = _EP_APP.match(text)
    if not match:
        raise NumberError("bad_format", "not an EP application number (8 digits, optional .check digit)", raw)
    digits, given = match["digits"], match["check"]
    check = ep_check_digit(digits)
    if given is not None and given != check:
        raise NumberError("bad_check_digit", f"EP check digit is {check}, not {given}", raw)
    yy = int(digits[:2])
    year = 1900 + yy if yy >= 78 else 2000 + yy
    return ApplicationNumber("EP", year, None, digits, check, "ep", given is not None)


def ep_check_digit(digits: str) -> str:
    """EPO application check digit: Luhn (mod 10), verified on real EP numbers in the USPTO samples."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        x = int(d) * (2 if i % 2 == 0 else 1)
        total += x // 10 + x % 10
    return str((10 - total % 10) % 10)


_PCT_APP = re.compile(r"^PCT/?(?P<office>[A-Z]{2})(?P<year>\d{4}|\d{2})/?(?P<serial>\d{5,6})$")


def _parse_pct_application(text: str, raw: object) -> ApplicationNumber:
    match = _PCT_APP.match(text)
    if not match:
        raise NumberError("bad_format", "not a PCT application number (PCT/CC2014/000123)", raw)
    year = int(match["year"])
    if year < 100:
        year += 1900 if year >= 78 else 2000
    serial = f"{match['office']}{year}/{int(match['serial']):06d}"
    return ApplicationNumber("WO", year, None, serial, None, "pct")


def patent_type_from_application(value: object) -> PatentType | None:
    """发明/实用新型/外观设计 from a CN application number (parsed or as text); ``None`` if not a CN number."""
    app = value if isinstance(value, ApplicationNumber) else parse_application_number(value)
    return app.patent_type


# ---------------------------------------------------------------- publication numbers

_PUB = re.compile(r"^(?P<cc>[A-Z]{2})(?P<body>.+?)(?P<kind>[A-Z]\d?)?$")


def parse_publication_number(value: object, *, country: str | None = None) -> PublicationNumber:
    """Parse ``CN218751475U``, ``CN1719946A``, ``US 7,654,321 B2``, ``US2004/0123456A1``, ``EP1234567B1``,
    ``WO2009/058797A1``; bare digits need ``country``. Raises :class:`NumberError`.
    """
    text = clean(value)
    if not text:
        raise NumberError("empty", "no publication number", value)
    if country and not text[:2].isalpha():
        text = country.upper() + text
    match = _PUB.match(text)
    if not match:
        raise NumberError("bad_format", "a publication number starts with a 2-letter country code", value)
    cc, body, kind = match["cc"], match["body"], match["kind"]
    parser = _PUB_PARSERS.get(cc)
    if parser is None:
        raise NumberError("unknown_country", f"publication numbers of {cc} are not supported", value)
    return parser(body, kind, value)


def _cn_publication(body: str, kind: str | None, raw: object) -> PublicationNumber:
    if not re.fullmatch(r"\d{7,9}", body):
        raise NumberError("bad_format", "CN publication numbers have 7, 8 or 9 digits", raw)
    if kind is not None and (kind[0] not in CN_PUB_KINDS or (len(kind) == 2 and kind[1] not in "89")):
        raise NumberError("unknown_kind", f"unknown CN kind code {kind}", raw)
    pub = PublicationNumber("CN", body, kind)
    if pub.patent_type is None:
        raise NumberError("bad_format", "CN publication numbers start with 1, 2 or 3 (type)", raw)
    if kind is not None and CN_PUB_KINDS[kind[0]][0] != pub.patent_type:
        raise NumberError("kind_mismatch", f"kind {kind} is not used for a {pub.patent_type.value} number", raw)
    return pub


def _us_publication(body: str, kind: str | None, raw: object) -> PublicationNumber:
    body = body.replace(",", "").replace("/", "")
    match = re.fullmatch(r"(?P<prefix>D|PP|RE|H|T)?(?P<num>\d{1,11})", body)
    if not match:
        raise NumberError("bad_format", "not a US patent or publication number", raw)
    prefix, num = match["prefix"] or "", match["num"]
    if len(num) == 11:
        year = int(num[:4])
        if not 2001 <= year <= date.today().year:
            raise NumberError("impossible_date", f"US pre-grant publications start in 2001, not {year}", raw)
    else:
        num = str(int(num))
    if kind is not None and kind not in US_KINDS:
        raise NumberError("unknown_kind", f"unknown US kind code {kind}", raw)
    return PublicationNumber("US", prefix + num, kind)


def _ep_publication(body: str, kind: str | None, raw: object) -> PublicationNumber:
    if not re.fullmatch(r"\d{1,7}", body):
        raise NumberError("bad_format", "EP publication numbers have up to 7 digits", raw)
    if kind is not None and kind not in EP_KINDS:
        raise NumberError("unknown_kind", f"unknown EP kind code {kind}", raw)
    return PublicationNumber("EP", f"{int(body):07d}", kind)


def _wo_publication(body: str, kind: str | None, raw: object) -> PublicationNumber:
    match = re.fullmatch(r"(?P<year>\d{4}|\d{2})/?(?P<serial>\d{5,6})", body)
    if not match:
        raise NumberError("bad_format", "WO numbers are year/serial, e.g. WO2009/058797", raw)
    year = int(match["year"])
    if year < 100:
        year += 1900 if year >= 78 else 2000
    if kind is not None and kind not in WO_KINDS:
        raise NumberError("unknown_kind", f"unknown WO kind code {kind}", raw)
    return PublicationNumber("WO", f"{year}{int(match['serial']):06d}", kind)


_PUB_PARSERS = {"CN": _cn_publication, "US": _us_publication, "EP": _ep_publication, "WO": _wo_publication}


# ---------------------------------------------------------------- application ↔ publication


def link(app: ApplicationNumber | str, pub: PublicationNumber | str) -> LinkCheck:
    """Is ``pub`` plausibly a publication of ``app``? Checks office, patent type and numbering era (CN)."""
    app = app if isinstance(app, ApplicationNumber) else parse_application_number(app)
    pub = pub if isinstance(pub, PublicationNumber) else parse_publication_number(pub)
    reasons: list[str] = []
    if app.country != pub.country and not (app.format == "pct" and pub.country == "WO"):
        reasons.append(f"application is {app.country}, publication is {pub.country}")
    elif app.country == "CN":
        reasons.extend(_cn_link_problems(app, pub))
    return LinkCheck(not reasons, tuple(reasons))


def _cn_link_problems(app: ApplicationNumber, pub: PublicationNumber) -> list[str]:
    problems = []
    if pub.patent_type is not None and pub.patent_type != app.patent_type:
        problems.append(f"application is {app.patent_type.value}, publication is {pub.patent_type.value}")
    if app.format == "8-digit" and len(pub.number) == 8 and pub.number != app.digits:
        problems.append("1985–1988 documents reuse the application number")
    if len(pub.number) == 8 and app.format != "8-digit":
        problems.append("8-digit publication numbers were used only for 1985–1988 applications")
    if len(pub.number) == 7 and app.year is not None and app.year > 2010:
        problems.append("7-digit publication numbers ended in 2010")
    if len(pub.number) == 9 and app.year is not None and app.year < 1990:
        problems.append("9-digit publication numbers started in 2007")
    if pub.kind and pub.kind[0] in "CYD" and app.year is not None and app.year > 2010:
        problems.append(f"kind {pub.kind} was replaced by B/U/S on 1 Apr 2010")
    return problems
