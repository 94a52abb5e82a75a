"""Merge rules: edited fields are kept, empty values never clear, extra merges key by key, events de-duplicate."""

from datetime import date

import pytest

from panhuo.ingest import merge
from panhuo.ingest.records import EventRecord, PartyRecord


@pytest.mark.parametrize("current, incoming, edited, expected", [
    ({"title": "a"}, {"title": "a"}, [], {}),
    ({"title": "a"}, {"title": "b"}, [], {"title": "b"}),
    ({"title": "a"}, {"title": "b"}, ["title"], {}),
    ({"title": "a"}, {"title": None}, [], {}),
    ({"filing_date": date(2020, 1, 2)}, {"filing_date": date(2020, 1, 2)}, [], {}),
    ({"ipc_all": ["A"]}, {"ipc_all": ["A", "B"]}, [], {"ipc_all": ["A", "B"]}),
    ({"extra": {"a": 1}}, {"extra": {"b": 2}}, [], {"extra": {"a": 1, "b": 2}}),
    ({"extra": {"a": 1}}, {"extra": {"a": 1}}, [], {}),
    ({"extra": {"i": {"x": 1}}}, {"extra": {"i": {"x": 2, "y": 3}}}, ["extra.i.x"], {"extra": {"i": {"x": 1, "y": 3}}}),
])
def test_diff_fields(current, incoming, edited, expected):
    assert merge.diff_fields(current, incoming, edited) == expected


def test_changed_roles_compares_names_in_order_and_respects_edits():
    parties = [PartyRecord("applicant", "甲大学", 0), PartyRecord("inventor", "张三", 0), PartyRecord("inventor", "李四", 1)]
    assert merge.changed_roles({"applicant": ["甲大学"], "inventor": ["张三", "李四"]}, parties, []) == set()
    assert merge.changed_roles({"applicant": ["甲大学"], "inventor": ["李四", "张三"]}, parties, []) == {"inventor"}
    assert merge.changed_roles({"applicant": ["乙大学"]}, parties, ["applicants"]) == {"inventor"}


def test_new_events_skips_known_and_repeated_events():
    known = {merge.event_key("transfer", date(2022, 1, 5), None, "某公司")}
    events = [EventRecord("transfer", date(2022, 1, 5), counterparty="某公司"),
              EventRecord("transfer", date(2022, 1, 5)),  # same day, less detail: the same transfer
              EventRecord("licence", date(2023, 1, 1)), EventRecord("licence", date(2023, 1, 1))]
    assert [(e.kind, e.event_date) for e in merge.new_events(known, events)] == [("licence", date(2023, 1, 1))]
