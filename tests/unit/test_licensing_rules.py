"""Open-licence rules: declaration content, promotional wording, fee caps, terms, eligibility."""

from datetime import date
from decimal import Decimal

import pytest

from panhuo.licensing import rules
from panhuo.licensing.rules import (
    DeclarationContent,
    EligibilityFacts,
    FeeTerms,
    LicensingError,
    check_date,
    royalty_amount,
)

D = Decimal


@pytest.mark.parametrize("terms, checks", [
    (FeeTerms("lump_sum", lump_sum=D(50000)), []),
    (FeeTerms("lump_sum", lump_sum=D(20000000)), []),
    (FeeTerms("lump_sum", lump_sum=D("20000000.01")), ["fee_cap"]),
    (FeeTerms("lump_sum"), ["fee_standard"]),
    (FeeTerms("lump_sum", lump_sum=D(-1)), ["fee_standard"]),
    (FeeTerms("lump_sum", lump_sum=D(1), royalty_pct=D(2), royalty_basis="net_sales"), ["fee_standard"]),
    (FeeTerms("royalty", royalty_pct=D(20), royalty_basis="net_sales"), []),
    (FeeTerms("royalty", royalty_pct=D("20.5"), royalty_basis="net_sales"), ["fee_cap"]),
    (FeeTerms("royalty", royalty_pct=D(40), royalty_basis="profit"), []),
    (FeeTerms("royalty", royalty_pct=D(41), royalty_basis="profit"), ["fee_cap"]),
    (FeeTerms("royalty", royalty_pct=D(5), royalty_basis="turnover"), ["royalty_basis"]),
    (FeeTerms("royalty", royalty_pct=D(5)), ["royalty_basis"]),
    (FeeTerms("lump_sum", lump_sum=D(10), royalty_basis="turnover"), ["royalty_basis"]),
    (FeeTerms("royalty", royalty_pct=D(150), royalty_basis="profit"), ["fee_standard"]),
    (FeeTerms("royalty", royalty_pct=D("2.0005"), royalty_basis="profit"), ["fee_standard"]),
    (FeeTerms("lump_sum", lump_sum=D("1e14")), ["fee_standard"]),
    (FeeTerms("royalty", royalty_pct=D(0), royalty_basis="profit"), ["fee_standard"]),
    (FeeTerms("royalty"), ["fee_standard"]),
    (FeeTerms("royalty", lump_sum=D(10), royalty_pct=D(3), royalty_basis="profit"), ["fee_standard"]),
    (FeeTerms("entry_plus_royalty", lump_sum=D(10000), royalty_pct=D(3), royalty_basis="net_sales"), []),
    (FeeTerms("entry_plus_royalty", royalty_pct=D(3), royalty_basis="net_sales"), ["fee_standard"]),
    (FeeTerms("entry_plus_royalty", lump_sum=D(30000000), royalty_pct=D(30), royalty_basis="net_sales"),
     ["fee_cap", "fee_cap"]),
    (FeeTerms("free"), []),
    (FeeTerms("free", lump_sum=D(100)), ["fee_standard"]),
    (FeeTerms("barter"), ["payment_mode"]),
    (FeeTerms("lump_sum", lump_sum=D(1), payable_after_months=-1), ["fee_standard"]),
])
def test_fee_terms_against_caps(terms, checks):
    assert [p.check for p in rules.check_fee_terms(terms)] == checks


def test_fee_cap_message_names_the_cap():
    [problem] = rules.check_fee_terms(FeeTerms("royalty", royalty_pct=D(25), royalty_basis="net_sales"))
    assert "20" in problem.message and "净销售额" in problem.message


@pytest.mark.parametrize("data, error", [
    ({"lump_sum": 1}, "'mode' is required"),
    ({"mode": "lump_sum", "lump_sum": "abc"}, "not a number"),
    ({"mode": "lump_sum", "price": 3}, "unknown field(s) price"),
])
def test_fee_terms_input_errors(data, error):
    with pytest.raises(rules.LicensingError, match=error.replace("(", r"\(").replace(")", r"\)")):
        FeeTerms.from_dict(data)


def test_fee_terms_round_trip():
    terms = FeeTerms("entry_plus_royalty", lump_sum=D("1000.50"), royalty_pct=D(3), royalty_basis="profit")
    assert FeeTerms.from_dict(terms.to_dict()) == terms


@pytest.mark.parametrize("start, end, expiry, checks", [
    (date(2025, 1, 1), date(2026, 1, 1), date(2030, 1, 1), []),
    (date(2025, 1, 1), date(2025, 12, 31), date(2030, 1, 1), ["term_minimum"]),
    (date(2025, 1, 1), date(2030, 1, 2), date(2030, 1, 1), ["term_within_expiry"]),
    (date(2025, 1, 1), date(2030, 1, 1), date(2030, 1, 1), []),
    (date(2025, 6, 1), date(2025, 9, 1), date(2025, 8, 1), ["term_minimum", "term_within_expiry"]),
    (date(2025, 1, 1), date(2027, 1, 1), None, ["term_within_expiry"]),
    (None, date(2027, 1, 1), date(2030, 1, 1), ["term"]),
])
def test_licence_term(start, end, expiry, checks):
    assert [p.check for p in rules.check_term(start, end, expiry)] == checks


@pytest.mark.parametrize("day, months, expected", [
    (date(2024, 1, 31), 1, date(2024, 2, 29)), (date(2024, 11, 15), 3, date(2025, 2, 15)),
    (date(2023, 5, 31), 12, date(2024, 5, 31)), (date(2024, 2, 29), 12, date(2025, 2, 28)),
])
def test_add_months(day, months, expected):
    assert rules.add_months(day, months) == expected


@pytest.mark.parametrize("text, phrases", [
    ("许可期内提供技术指导", []),
    ("本技术国内领先, 填补国内空白", ["国内领先", "填补国内空白"]),
    ("Our World-Leading process", ["world-leading"]),
    ("第一实施例中唯一的参数", []),  # technical wording is not promotional
    ("限时优惠, 先到先得", ["限时", "先到先得"]),
    (None, []),
])
def test_promotional_phrases(text, phrases):
    assert rules.find_promotional(text) == phrases


def _content(**kw):
    base = dict(patent_number="ZL202110000001.X", patentee="某大学",
                fee_terms=FeeTerms("lump_sum", lump_sum=D(10000)), term_start=date(2025, 1, 1),
                term_end=date(2027, 1, 1), other_terms="被许可人自行承担实施风险")
    base.update(kw)
    return DeclarationContent(**base)


@pytest.mark.parametrize("changes, checks", [
    ({}, []),
    ({"patent_number": ""}, ["patent_number"]),
    ({"patentee": " "}, ["patentee"]),
    ({"fee_terms": None}, ["payment_mode"]),
    ({"other_terms": "国际领先技术, 稳赚不赔"}, ["promotional_language", "promotional_language"]),
    ({"text_fields": {"summary": "革命性的方法"}}, ["promotional_language"]),
    ({"term_end": date(2025, 6, 1)}, ["term_minimum"]),
    ({"term_end": date(2041, 1, 1)}, ["term_within_expiry"]),
])
def test_declaration_content(changes, checks):
    assert [p.check for p in rules.check_declaration(_content(**changes), expiry=date(2040, 1, 1))] == checks


def test_promotional_message_names_the_phrase_and_field():
    [problem] = rules.check_declaration(_content(other_terms="性能国内领先"), expiry=date(2040, 1, 1))
    assert "'国内领先'" in problem.message and "other_terms" in problem.message


GOOD = EligibilityFacts(patent_type="invention", legal_status="valid", granted=True, annual_fees_paid=True,
                        co_owners=("某大学",), consenting_owners=("某大学",))


@pytest.mark.parametrize("changes, checks", [
    ({}, []),
    ({"granted": False}, ["granted_and_valid"]),
    ({"legal_status": "lapsed"}, ["granted_and_valid"]),
    ({"exclusive_or_sole_licences": ("contract 3 (exclusive, 甲公司)",)}, ["no_exclusive_or_sole_licence"]),
    ({"suspended": True}, ["not_suspended"]),
    ({"annual_fees_paid": False}, ["annual_fees_paid"]),
    ({"annual_fees_paid": None}, ["annual_fees_paid"]),
    ({"pledged": True}, ["pledge_consent"]),
    ({"pledged": True, "pledgee_consent": True}, []),
    ({"co_owners": ("某大学", "某公司")}, ["co_owners_consent"]),
    ({"patent_type": "utility_model"}, ["evaluation_report"]),
    ({"patent_type": "design", "evaluation_report_positive": False}, ["evaluation_report"]),
    ({"patent_type": "utility_model", "evaluation_report_positive": True}, []),
    ({"granted": False, "suspended": True, "pledged": True, "annual_fees_paid": False},
     ["granted_and_valid", "not_suspended", "annual_fees_paid", "pledge_consent"]),
])
def test_eligibility_each_failed_check_is_named(changes, checks):
    facts = EligibilityFacts(**{**GOOD.__dict__, **changes})
    assert [p.check for p in rules.check_eligibility(facts)] == checks


def test_missing_co_owner_is_named():
    facts = EligibilityFacts(**{**GOOD.__dict__, "co_owners": ("某大学", "乙研究所")})
    assert "乙研究所" in rules.check_eligibility(facts)[0].message


def test_rule_violation_lists_every_problem():
    err = rules.RuleViolation("declaration 1", [rules.Problem("a", "x"), rules.Problem("b", "y")])
    assert "[a] x" in str(err) and "[b] y" in str(err) and len(err.problems) == 2


@pytest.mark.parametrize("base, pct, expected", [
    (D(2000000), D(4), D("80000.00")),
    (D(0), D("0.001"), D("0.00")),
    (D("99999999999999.99"), D(100), D("99999999999999.99")),
    (D(1), D("33.333"), D("0.33")),
])
def test_royalty_amount(base, pct, expected):
    assert royalty_amount(base, pct) == expected


@pytest.mark.parametrize("base, pct, error", [
    (D(1000), D(0), "out of range"),
    (D(1000), D(-3), "out of range"),
    (D(1000), D("100.001"), "out of range"),
    (D(1000), D("1e14"), "out of range"),
    (D(1000), D("NaN"), "out of range"),
    (D(1000), D("3.0001"), "three decimals"),
    (D(-1), D(3), "non-negative"),
    (D("1e14"), D(3), "reported base"),
])
def test_royalty_amount_refusals(base, pct, error):
    with pytest.raises(LicensingError, match=error):
        royalty_amount(base, pct)


@pytest.mark.parametrize("day, ok", [
    (date(1985, 1, 1), True), (date(2200, 12, 31), True), (date(1984, 12, 31), False), (date(9999, 12, 31), False),
    (date(1, 1, 1), False),
])
def test_check_date_bounds_the_year(day, ok):
    if ok:
        assert check_date(day) == day
    else:
        with pytest.raises(LicensingError, match="use a year from 1985 to 2200"):
            check_date(day)


# Contract fee terms: one rule (rules.check_contract_fee_terms) — the declaration checks refuse, the guidance
# caps warn or refuse as data/contracts.yaml's fee_caps says.
@pytest.mark.parametrize("terms, caps, refused, warned", [
    (FeeTerms("royalty", royalty_pct=D(5), royalty_basis="net_sales"), "warn", [], []),
    (FeeTerms("royalty", royalty_pct=D(5), royalty_basis="turnover"), "warn", ["royalty_basis"], []),
    (FeeTerms("royalty", royalty_pct=D(5), royalty_basis="turnover"), "refuse", ["royalty_basis"], []),
    (FeeTerms("royalty", royalty_pct=D(25), royalty_basis="net_sales"), "warn", [], ["fee_cap"]),
    (FeeTerms("royalty", royalty_pct=D(25), royalty_basis="net_sales"), "refuse", ["fee_cap"], []),
    (FeeTerms("lump_sum", lump_sum=D(30000000)), "warn", [], ["fee_cap"]),
    (FeeTerms("royalty", royalty_pct=D(101), royalty_basis="profit"), "warn", ["fee_standard"], []),
    (FeeTerms("barter"), "warn", ["payment_mode"], []),
    (FeeTerms("entry_plus_royalty", royalty_pct=D(30), royalty_basis="net_sales"), "warn", ["fee_standard"],
     ["fee_cap"]),
])
def test_contract_fee_terms_refusals_and_warnings(terms, caps, refused, warned):
    refusals, warnings = rules.check_contract_fee_terms(terms, caps=caps)
    assert [p.check for p in refusals] == refused
    assert [p.check for p in warnings] == warned


def test_contract_fee_terms_unknown_basis_names_the_known_ones():
    [problem], _ = rules.check_contract_fee_terms(FeeTerms("royalty", royalty_pct=D(5), royalty_basis="gmv"),
                                                  caps="warn")
    assert "'gmv'" in problem.message and "net_sales" in problem.message and "profit" in problem.message


def test_contract_fee_caps_setting_must_be_known():
    with pytest.raises(rules.LicensingError, match="fee_caps"):
        rules.check_contract_fee_terms(FeeTerms("free"), caps="maybe")


def test_contracts_rules_file_makes_caps_guidance():
    from panhuo.licensing.policy import contract_policy

    assert contract_policy()["fee_caps"] in rules.CAP_MODES
    assert "fee_caps" in contract_policy()["sources"]
