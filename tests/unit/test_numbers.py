"""Patent numbers: every accepted format, every error code, and properties of the check digit."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panhuo.patents.enums import PatentType
from panhuo.patents.numbers import (
    ApplicationNumber,
    NumberError,
    compute_check_digit,
    ep_check_digit,
    link,
    parse_application_number,
    parse_publication_number,
    patent_type_from_application,
)

TODAY = date(2025, 6, 1)

# Real numbers from the shared samples (exports, CNIPA XML) with their printed check digits.
REAL_CHECKED = ["202223220665.2", "201310586887.2", "201721099528.4", "202111286633.X", "202121635235.X",
                "200880114428.1", "201510481495.9", "200910190429.0", "201010298420.4", "201910302430.1",
                "202180002433.9", "201480000788.4", "201480000986.0", "201320854096.9", "97101765.4"]


@pytest.mark.parametrize("number", REAL_CHECKED)
def test_check_digit_matches_every_real_number(number):
    digits, check = number.split(".")
    assert compute_check_digit(digits) == check


@pytest.mark.parametrize(("raw", "canonical", "fmt", "year", "kind"), [
    ("CN202223220665.2", "CN202223220665.2", "12-digit", 2022, 2),
    ("202223220665.2", "CN202223220665.2", "12-digit", 2022, 2),
    ("202223220665", "CN202223220665.2", "12-digit", 2022, 2),  # check digit omitted
    ("2022232206652", "CN202223220665.2", "12-digit", 2022, 2),  # check digit without the dot
    ("ZL201310586887.2", "CN201310586887.2", "12-digit", 2013, 1),
    ("ZL 2013 1 0586887.2", "CN201310586887.2", "12-digit", 2013, 1),
    ("CN 201310586887·2", "CN201310586887.2", "12-digit", 2013, 1),
    ("２０２１１１２８６６３３．Ｘ", "CN202111286633.X", "12-digit", 2021, 1),  # full-width
    ("202111286633.x", "CN202111286633.X", "12-digit", 2021, 1),
    ("申请号：202111286633.X", "CN202111286633.X", "12-digit", 2021, 1),
    ("200880114428.1", "CN200880114428.1", "12-digit", 2008, 8),
    ("202180002433.9", "CN202180002433.9", "12-digit", 2021, 8),
    ("97101765.4", "CN97101765.4", "9-digit", 1997, 1),
    ("ZL97101765.4", "CN97101765.4", "9-digit", 1997, 1),
    ("97101765", "CN97101765.4", "9-digit", 1997, 1),
    ("03123456", "CN03123456." + compute_check_digit("03123456"), "9-digit", 2003, 1),
    ("85100312", "CN85100312", "8-digit", 1985, 1),
    ("CN88200001", "CN88200001", "8-digit", 1988, 2),
    # CNIPA XML "standard" form: type code, year, 9-digit serial
    ("102021001286633", "CN202111286633.X", "12-digit", 2021, 1),
    ("112021000002433", "CN202180002433.9", "12-digit", 2021, 8),
    ("101985000000312", "CN85100312", "8-digit", 1985, 1),
    ("102009000190429", "CN200910190429.0", "12-digit", 2009, 1),
    ("302015000012345", "CN201530012345." + compute_check_digit("201530012345"), "12-digit", 2015, 3),
])
def test_parses_every_cn_application_format(raw, canonical, fmt, year, kind):
    app = parse_application_number(raw, today=TODAY)
    assert (app.canonical, app.format, app.year, app.kind, app.country) == (canonical, fmt, year, kind, "CN")


@pytest.mark.parametrize(("raw", "code"), [
    ("", "empty"),
    (None, "empty"),
    ("   ", "empty"),
    ("CN202223220665.3", "bad_check_digit"),
    ("202111286633.1", "bad_check_digit"),
    ("97101765.5", "bad_check_digit"),
    ("85100312.0", "bad_check_digit"),
    ("2022232206", "bad_format"),
    ("20222322066A.2", "bad_format"),
    ("abc", "bad_format"),
    ("202243220665", "unknown_kind"),  # kind 4 does not exist
    ("97501765", "unknown_kind"),
    ("992021001286633", "unknown_kind"),  # bad standard-form type code
    ("200213220665", "impossible_date"),  # 12 digits before Oct 2003
    ("203013220665", "impossible_date"),  # future year
    ("198413220665", "impossible_date"),
    ("04100001", "impossible_date"),  # 8 digits after 2003
    ("89803229", "impossible_date"),  # PCT entry before 1994
    ("JP2004123456", "unknown_country"),
])
def test_rejects_bad_application_numbers_with_a_specific_code(raw, code):
    with pytest.raises(NumberError) as err:
        parse_application_number(raw, today=TODAY)
    assert err.value.code == code
    assert err.value.value == raw


def test_country_hint_routes_bare_numbers():
    assert parse_application_number("16/123,456", country="US").canonical == "US16/123456"
    with pytest.raises(NumberError) as err:
        parse_application_number("10-2013-0138117", country="KR")
    assert err.value.code == "unknown_country"


@pytest.mark.parametrize(("raw", "canonical"), [
    ("60/984,910", "US60/984910"),
    ("US 16/123,456", "US16/123456"),
    ("EP07757453.1", "EP07757453.1"),
    ("EP 08841472", "EP08841472.7"),
    ("PCT/US2008/081493", "PCT/US2008/081493"),
    ("PCT/CN2014/000788", "PCT/CN2014/000788"),
    ("PCT/CN98/00123", "PCT/CN1998/000123"),
])
def test_parses_foreign_application_numbers(raw, canonical):
    assert parse_application_number(raw, today=TODAY).canonical == canonical


def test_ep_check_digit_is_verified():
    assert ep_check_digit("09758282") == "9"
    with pytest.raises(NumberError) as err:
        parse_application_number("EP09758282.3")
    assert err.value.code == "bad_check_digit"


@pytest.mark.parametrize(("raw", "canonical", "ptype", "is_grant"), [
    ("CN218751475U", "CN218751475U", PatentType.UTILITY_MODEL, True),
    ("cn 218751475 u", "CN218751475U", PatentType.UTILITY_MODEL, True),
    ("CN113781974A", "CN113781974A", PatentType.INVENTION, False),
    ("CN101945314B", "CN101945314B", PatentType.INVENTION, True),
    ("CN1719946A", "CN1719946A", PatentType.INVENTION, False),
    ("CN1234567C", "CN1234567C", PatentType.INVENTION, True),
    ("CN2345678Y", "CN2345678Y", PatentType.UTILITY_MODEL, True),
    ("CN3345678D", "CN3345678D", PatentType.DESIGN, True),
    ("CN307123456S", "CN307123456S", PatentType.DESIGN, True),
    ("CN85100312A", "CN85100312A", PatentType.INVENTION, False),
    ("CN108982325A8", "CN108982325A8", PatentType.INVENTION, False),
    ("CN108982325", "CN108982325", PatentType.INVENTION, None),
    ("US 7,654,321 B2", "US7654321B2", None, True),
    ("US07654321", "US7654321", None, None),
    ("US2004/0123456 A1", "US20040123456A1", None, False),
    ("USD512345S", "USD512345S", PatentType.DESIGN, True),
    ("USRE45678E", "USRE45678E", None, True),
    ("USPP12345P2", "USPP12345P2", None, True),
    ("EP1234567B1", "EP1234567B1", None, True),
    ("EP 123456 A1", "EP0123456A1", None, False),
    ("WO2009/058797A1", "WO2009058797A1", None, False),
    ("WO 2014/157990", "WO2014157990", None, None),
])
def test_parses_publication_numbers(raw, canonical, ptype, is_grant):
    pub = parse_publication_number(raw)
    assert (pub.canonical, pub.patent_type, pub.is_grant) == (canonical, ptype, is_grant)


def test_publication_country_hint():
    assert parse_publication_number("113781974", country="CN").canonical == "CN113781974"


@pytest.mark.parametrize(("raw", "code"), [
    ("", "empty"),
    ("218751475U", "bad_format"),
    ("CN218751475Q", "unknown_kind"),
    ("CN1234567A1", "unknown_kind"),
    ("CN218751475A", "kind_mismatch"),  # 2… is a utility model number
    ("CN118751475U", "kind_mismatch"),
    ("CN518751475A", "bad_format"),
    ("CN12345A", "bad_format"),
    ("US7654321Z9", "unknown_kind"),
    ("US1999/0123456A1", "impossible_date"),
    ("EP1234567C1", "unknown_kind"),
    ("EP12345678B1", "bad_format"),
    ("WO2009/058797B1", "unknown_kind"),
    ("JP2004123456A", "unknown_country"),
])
def test_rejects_bad_publication_numbers(raw, code):
    with pytest.raises(NumberError) as err:
        parse_publication_number(raw)
    assert err.value.code == code


@pytest.mark.parametrize(("app", "pub", "plausible"), [
    ("CN202223220665.2", "CN218751475U", True),
    ("CN202111286633.X", "CN113781974A", True),
    ("CN201010298420.4", "CN101945314B", True),
    ("CN200880114428.1", "CN103492414A", True),
    ("CN85100312", "CN85100312A", True),
    ("CN85100312", "CN85100313A", False),  # 1985–88 documents reuse the application number
    ("CN202223220665.2", "CN118751475A", False),  # type mismatch
    ("CN202111286633.X", "CN1719946A", False),  # 7-digit numbers ended in 2010
    ("CN202111286633.X", "CN1234567C", False),  # C replaced by B in 2010
    ("CN202111286633.X", "EP1234567A1", False),
    ("PCT/US2008/081493", "WO2009/058797A1", True),
])
def test_link_checks_plausibility(app, pub, plausible):
    result = link(app, pub)
    assert result.plausible is plausible
    assert bool(result.reasons) is not plausible


@pytest.mark.parametrize(("raw", "ptype"), [
    ("202223220665.2", PatentType.UTILITY_MODEL), ("201310586887.2", PatentType.INVENTION),
    ("200880114428.1", PatentType.INVENTION), ("85300001", PatentType.DESIGN), ("EP07757453.1", None),
])
def test_patent_type_from_application(raw, ptype):
    assert patent_type_from_application(raw) == ptype


# ---------------------------------------------------------------- properties

apps = st.builds(
    lambda year, kind, serial: f"{year}{kind}{serial:07d}",
    st.integers(2004, 2024), st.sampled_from([1, 2, 3, 8, 9]), st.integers(0, 9_999_999),
)


@given(apps)
def test_canonical_round_trips(digits):
    app = parse_application_number(digits, today=TODAY)
    again = parse_application_number(app.canonical, today=TODAY)
    assert again == ApplicationNumber(app.country, app.year, app.kind, app.serial, app.check_digit, app.format,
                                      check_digit_given=True)
    assert again.canonical == app.canonical


@given(apps, st.integers(0, 11), st.integers(1, 9))
def test_every_single_digit_error_is_caught(digits, position, delta):
    good = parse_application_number(digits, today=TODAY)
    wrong = digits[:position] + str((int(digits[position]) + delta) % 10) + digits[position + 1:]
    try:
        other = parse_application_number(f"{wrong}.{good.check_digit}", today=TODAY)
    except NumberError as err:
        assert err.code in {"bad_check_digit", "unknown_kind", "impossible_date"}
    else:
        pytest.fail(f"{wrong}.{good.check_digit} accepted as {other.canonical}")


@given(apps, st.integers(0, 10))
def test_adjacent_transpositions_are_caught(digits, position):
    swapped = digits[:position] + digits[position + 1] + digits[position] + digits[position + 2:]
    if swapped == digits:
        return
    check = compute_check_digit(digits)
    with pytest.raises(NumberError):
        parse_application_number(f"{swapped}.{check}", today=TODAY)


@given(st.text(max_size=30))
def test_any_text_gives_a_number_or_a_number_error(text):
    for parse in (parse_application_number, parse_publication_number):
        try:
            parse(text)
        except NumberError as err:
            assert err.code and err.reason
