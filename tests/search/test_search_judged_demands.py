"""The judged demand set (benchmarks/judgments/bdci-demands-kppatent.jsonl) is well-formed and refers to real ids."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

JUDGMENTS = Path(__file__).resolve().parents[2] / "benchmarks" / "judgments" / "bdci-demands-kppatent.jsonl"


def rows() -> list[dict]:
    with JUDGMENTS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_judgments_are_well_formed():
    found = rows()
    assert found, "no judgments"
    for row in found:
        assert set(row) == {"demand", "doc", "grade", "reason"}
        assert row["grade"] in (0, 1, 2, 3) and isinstance(row["grade"], int)
        assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", row["demand"])
        assert re.fullmatch(r"kpp:\d+|cnki:CN\w+|cnexp:\S+", row["doc"])
        assert 0 < len(row["reason"]) <= 80  # one line, never a copied abstract
    pairs = Counter((r["demand"], r["doc"]) for r in found)
    assert max(pairs.values()) == 1  # each pair judged once
    demands = {r["demand"] for r in found}
    assert 40 <= len(demands) <= 60
    assert any(r["grade"] >= 2 for r in found)


@pytest.mark.data
def test_judged_ids_exist_in_the_data_sets(require_data):
    demand_file = require_data("bdci2019-demand-achievement") / "Requirements.csv"
    kpp_file = require_data("kppatent-zh") / "kppatent_zh.jsonl"
    export_dir = require_data("cn-export-samples")
    with demand_file.open(encoding="utf-8") as fh:
        demand_ids = {r["R_ID"] for r in csv.DictReader(fh)}
    with kpp_file.open(encoding="utf-8") as fh:
        kpp_lines = {n for n, line in enumerate(fh, start=1) if json.loads(line).get("abstract")}
    with (export_dir / "cnki_MaterialChemistry_18_19.csv").open(encoding="utf-8") as fh:
        cnki = {m[1] for r in csv.DictReader(fh) if (m := re.search(r"filename=(CN\w+)", r["href"] or ""))}
    with (export_dir / "patent_table_sample_10rows.csv").open(encoding="utf-8") as fh:
        exported = {r["申请号"] for r in csv.DictReader(fh)}
    for row in rows():
        assert row["demand"] in demand_ids, row
        kind, _, key = row["doc"].partition(":")
        known = {"kpp": lambda k: int(k) in kpp_lines, "cnki": cnki.__contains__, "cnexp": exported.__contains__}
        assert known[kind](key), row
