"""ingest/limits.py: limits read from the models, and what check_record removes and reports."""

from __future__ import annotations

from datetime import date

import pytest

from panhuo.ingest import limits
from panhuo.ingest.records import EventRecord, PartyRecord, PatentRecord
from panhuo.patents.models import LegalEvent, PatentParty


def test_limits_are_the_model_columns():
    assert (limits.NAME, limits.EVENT["code"], limits.EVENT["counterparty"], limits.DEPARTMENT) == (
        PatentParty.__table__.c.raw_name.type.length, LegalEvent.__table__.c.code.type.length,
        LegalEvent.__table__.c.counterparty.type.length, 200)
    assert "title" not in limits.PATENT and "description" not in limits.EVENT  # Text: no limit


@pytest.mark.parametrize(("value", "limit", "expected"), [
    ("a" * 3, 3, False), ("a" * 4, 3, True), (["ab", "abcd"], 3, True), (["ab"], 3, False), (None, 3, False),
    (7, 0, False), ([], 0, False), ([None, 5], 0, False)])
def test_exceeds(value, limit, expected):
    assert limits.exceeds(value, limit) is expected


@pytest.mark.parametrize(("length", "limit", "what", "expected"), [
    (324, 300, "", "324 characters; this field holds at most 300"),
    (21, 20, "code of the transfer event of 2022-02-15",
     "code of the transfer event of 2022-02-15: 21 characters; this field holds at most 20")])
def test_reason_names_length_and_limit(length, limit, what, expected):
    assert limits.reason(length, limit, what) == expected


def _record(**fields) -> PatentRecord:
    return PatentRecord(application_no="CN202121600001.1", fields=fields, source_file="f.csv", source_row=7)


def test_a_record_within_its_limits_is_untouched():
    record = _record(agency="甲" * 200, title="题" * 5000)
    record.parties = [PartyRecord("applicant", "乙" * 300)]
    record.events = [EventRecord("transfer", date(2022, 1, 1), code="C" * 20, counterparty="丙" * 300)]
    assert limits.check_record(record) == []
    assert (record.fields["agency"], len(record.parties), record.events[0].code) == ("甲" * 200, 1, "C" * 20)


def test_a_too_long_party_is_dropped_and_the_others_renumbered():
    record = _record()
    record.parties = [PartyRecord("applicant", "甲", 0), PartyRecord("applicant", "乙" * 301, 1),
                      PartyRecord("applicant", "丙", 2), PartyRecord("inventor", "丁" * 301, 0),
                      PartyRecord("inventor", "戊", 1)]
    errors = limits.check_record(record, {"applicants": "申请人", "first_inventor": "第一发明人"})
    assert [(e.field, e.row, e.code, e.fatal) for e in errors] == [
        ("申请人", 7, "too_long", False), ("第一发明人", 7, "too_long", False)]
    assert [(p.role, p.raw_name, p.position) for p in record.parties] == [
        ("applicant", "甲", 0), ("applicant", "丙", 1), ("inventor", "戊", 0)]


def test_a_too_long_identity_is_fatal():
    record = PatentRecord(application_no="", fields={"publication_no": "CN" + "1" * 37})
    (error,) = limits.check_record(record)
    assert (error.field, error.fatal, error.code) == ("publication_no", True, "too_long")
    assert "43 characters; this field holds at most 40" in error.reason


def test_field_limits_of_mapped_fields():
    limited = limits.field_limits({"title": "text", "agency": "text", "department": "text", "applicants": "names",
                                   "legal_status": "legal_status", "ipc_all": "codes", "claims_count": "int"})
    assert limited == {"agency": 200, "department": 200, "legal_status": 200}
