"""The fee schedule file: loads, carries provenance, rejects malformed editions, picks editions by date."""

from __future__ import annotations

import copy
from datetime import date

import pytest
import yaml

from panhuo.fees.schedule import (DATA_DIR, FeeScheduleError, NoScheduleInForce, load_schedule, load_schedules,
                                  parse_schedule, schedule_for)

BUNDLED = DATA_DIR / "cnipa-annual-fees-2024.yaml"


@pytest.fixture
def doc():
    return yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))


def test_bundled_edition_loads_with_sources_and_labels():
    s = load_schedule(BUNDLED)
    assert s.edition == "cnipa-annual-fees-2024" and s.effective_from == date(2024, 1, 20)
    assert (s.sole_owner_pct, s.joint_owners_pct, s.window_years, s.open_licence_pct) == (85, 70, 10, 15)
    assert (s.grace_months, s.surcharge_pct_per_month, s.restoration_fee) == (6, 5, 1000)
    assert (s.compensation_request_fee, s.compensation_annual_fee) == (200, 8000)
    assert s.provenance["late_payment.month_rule"]["label"] == "U"
    assert s.provenance["annual_fees.invention"] == {"source": "panzhihua", "label": "C"}
    assert all(p["source"] in s.sources for p in s.provenance.values())


def _set(doc, path, value):
    node = doc
    *head, last = path
    for key in head:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize("path, value, message", [
    (("edition",), KeyError, "edition: missing"),
    (("effective_from",), "next spring", "not an ISO date"),
    (("term_years", "design", "value"), "fifteen", "term_years.design: expected int"),
    (("term_years", "design", "label"), "X", "evidence label must be one of"),
    (("term_years", "design", "source"), "hearsay", "'hearsay' is not listed"),
    (("annual_fees", "design", "steps", 4, "years"), [11, 14], "no fee for patent year(s) 15"),
    (("annual_fees", "design", "steps", 4, "years"), [10, 15], "patent year 10 is listed twice"),
    (("annual_fees", "design", "steps", 4, "fee"), -3000, "fee must be a positive whole number"),
    (("annual_fees", "invention", "steps", 5, "years"), [16, 21], "outside the 20-year term"),
    (("fee_reduction", "sole_owner_pct", "value"), 185, "185 is outside 0 … 100"),
    (("open_licence", "combine", "value"), "add", "only 'most_favourable'"),
    (("late_payment", "month_rule", "value"), "weeks", "expected one of full_months, started_months"),
    (("restoration",), KeyError, "restoration: missing"),
])
def test_malformed_schedules_are_rejected_with_the_key(doc, path, value, message):
    with pytest.raises(FeeScheduleError) as err:
        parse_schedule(_set(copy.deepcopy(doc), path, value), "test.yaml")
    assert message in str(err.value) and str(err.value).startswith("test.yaml: ")


def test_not_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("edition: [unclosed", encoding="utf-8")
    with pytest.raises(FeeScheduleError, match="not valid YAML"):
        load_schedule(bad)
    with pytest.raises(FeeScheduleError, match="file not found"):
        load_schedule(tmp_path / "none.yaml")
    with pytest.raises(FeeScheduleError, match="top level"):
        parse_schedule(["a"], "x.yaml")


def test_editions_are_chosen_by_effective_date(tmp_path, doc):
    newer = copy.deepcopy(doc)
    newer["edition"] = "hypothetical-2026"
    newer["effective_from"] = "2026-01-01"
    newer["annual_fees"]["invention"]["steps"][0]["fee"] = 1000
    (tmp_path / "hypothetical-2026.yaml").write_text(yaml.safe_dump(newer, allow_unicode=True), encoding="utf-8")
    editions = load_schedules(tmp_path)
    assert [e.edition for e in editions] == ["cnipa-annual-fees-2024", "hypothetical-2026"]
    assert schedule_for(date(2025, 6, 1), editions).full_fee("invention", 1) == 900
    assert schedule_for(date(2026, 1, 1), editions).full_fee("invention", 1) == 1000
    assert schedule_for(date(2000, 1, 1), editions).edition == "cnipa-annual-fees-2024"
    with pytest.raises(NoScheduleInForce):
        schedule_for(date(2025, 1, 1), [])


def test_duplicate_edition_names_are_rejected(tmp_path, doc):
    (tmp_path / "copy.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FeeScheduleError, match="also defined in"):
        load_schedules(tmp_path)


def test_month_rule_can_be_switched():
    s = schedule_for(date(2025, 1, 1))
    assert s.with_month_rule("started_months").month_rule == "started_months"
    with pytest.raises(FeeScheduleError):
        s.with_month_rule("fortnights")
