"""EPO Deep Tech Finder CSV reader: hand-written rows, the real export, and an import through the CLI."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from panhuo.cli import app as cli_app
from panhuo.ingest import epo_dtf
from panhuo.ingest.records import PatentRecord, RowError
from panhuo.patents.enums import LegalStatus
from panhuo.patents.models import Patent, PatentParty
from panhuo.patents.numbers import ep_check_digit

DTF_HEADERS = ["University", "Total_number_of_Spin_outs", "Spin_outs_List", "Total_students",
               "Total_number_of_applications", "Application_title", "Espacenet_link", "Filing_year", "Patent_status",
               "Technical_field"]
ANALYSIS_HEADERS = ["ep_patent", "filing_year", "technical_field", "title", "normalized_applicants",
                    "normalized_inventors", "priority_claims", "german_priorities", "ipc_classes", "cpc_classes",
                    "application_number", "filing_date"]
LINK = "https://worldwide.espacenet.com/patent/search?q="


def ep(digits: str) -> str:
    return f"EP{digits}.{ep_check_digit(digits)}"


def dtf_row(university="Universität Beispielstadt", title="Widget For Testing.", number="EP12345678A",
            filed="3/4/12", status="EP granted", field="Other") -> list[str]:
    return [university, "2", "Alpha GmbH, Beta AG", "12000", "40", title, LINK + number, filed, status, field]


def write(path: Path, headers: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def split(items):
    items = list(items)
    return [i for i in items if isinstance(i, PatentRecord)], [i for i in items if isinstance(i, RowError)]


@pytest.mark.parametrize(("raw", "expected"), [
    (LINK + "EP80100298A", "EP80100298.1"),
    ("EP80100298A", "EP80100298.1"),
    ("ep80100298", "EP80100298.1"),
    (LINK + "EP80100298.1", "EP80100298.1"),
])
def test_application_from_link(raw, expected):
    assert epo_dtf.application_from_link(raw).canonical == expected


@pytest.mark.parametrize("raw", [LINK + "EP8010029A", LINK + "US80100298A", "", LINK + "EP80100298.7"])
def test_bad_links_are_refused(raw):
    with pytest.raises(ValueError):
        epo_dtf.application_from_link(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("1/22/80", date(1980, 1, 22)), ("12/31/99", date(1999, 12, 31)), ("2/29/24", date(2024, 2, 29)),
    ("7/1/2003", date(2003, 7, 1)), ("", None), ("2003-07-01", date(2003, 7, 1)),
])
def test_us_dates(raw, expected):
    assert epo_dtf.parse_us_date(raw) == expected


@pytest.mark.parametrize(("raw", "filed", "expected"), [
    ("EP granted", date(2010, 5, 1), LegalStatus.VALID),
    ("EP granted", date(1990, 5, 1), LegalStatus.EXPIRED),
    ("EP granted & Unitary", date(2020, 1, 1), LegalStatus.VALID),
    ("Refused / Withdrawn", date(2010, 1, 1), LegalStatus.WITHDRAWN),
    ("Pending", date(2023, 1, 1), LegalStatus.PENDING),
    ("Lapsed somewhere", None, LegalStatus.UNKNOWN),
])
def test_legal_status(raw, filed, expected):
    assert epo_dtf.legal_status(raw, filed, today=date(2026, 1, 1)) is expected


def test_hand_written_rows(tmp_path):
    src = write(tmp_path / "dtf.csv", DTF_HEADERS, [
        dtf_row(),
        dtf_row(number="EP1234567A", title="Broken Number."),  # 7 digits: the row cannot be imported
        dtf_row(number="EP13000001A", filed="13/45/13", status="Someday", field="Quantum computing - hardware"),
        dtf_row(university="Zweite Hochschule", number="EP12345678A"),  # co-owned: same number, second owner
    ])
    assert epo_dtf.detect(src) == epo_dtf.DTF
    records, errors = split(epo_dtf.read(src))
    assert [r.application_no for r in records] == [ep("12345678"), ep("13000001"), ep("12345678")]
    assert [p.raw_name for p in records[2].parties] == ["Universität Beispielstadt", "Zweite Hochschule"]
    first = records[0]
    assert first.fields["title"] == "Widget For Testing" and first.fields["filing_date"] == date(2012, 3, 4)
    assert first.fields["legal_status"] == "valid" and first.fields["legal_status_raw"] == "EP granted"
    assert [(p.role, p.raw_name, p.kind, p.country) for p in first.parties] == \
        [("applicant", "Universität Beispielstadt", "university", "DE"), ("applicant", "Zweite Hochschule", "university", "DE")]
    assert (first.source_row, first.source_format) == (1, "epo-dtf")
    assert [(e.row, e.field, e.code, e.fatal) for e in errors] == [
        (2, "Espacenet_link", "bad_format", True),
        (3, "Filing_year", "bad_date", False),
        (3, "Patent_status", "unknown_status", False)]
    third = records[1]
    assert "filing_date" not in third.fields and third.fields["title"] == "Widget For Testing"
    assert third.fields["extra"] == {"deep_tech_field": "Quantum computing - hardware"}


def test_analysis_rows_keep_one_spelling_per_party(tmp_path):
    src = write(tmp_path / "x_complete_analysis.csv", ANALYSIS_HEADERS, [[
        "EP05804010A", "2005", "Other", "METHOD FOR MAKING THINGS",
        "['UNIV MUSTERSTADT TECH', 'Univ Musterstadt Tech', 'ALPHA GMBH']", "['Meier, Anna', 'MEIER, ANNA']",
        "['DE102004052725A·2004-10-27']", "[]", "['C07F9/', 'C07F9/']", "['C07F9/65031', 'C07F9/65031']",
        "EP20050804010", "20051017"],
        ["EP05804011A", "2005", "Other", "SECOND", "not a list", "[]", "[]", "[]", "[]", "[]", "", "20051018"]])
    assert epo_dtf.detect(src) == epo_dtf.ANALYSIS
    records, errors = split(epo_dtf.read(src))
    first = records[0]
    assert first.application_no == ep("05804010")
    assert [(p.role, p.raw_name) for p in first.parties] == [
        ("applicant", "UNIV MUSTERSTADT TECH"), ("applicant", "ALPHA GMBH"), ("inventor", "Meier, Anna")]
    assert first.fields["ipc_all"] == ["C07F9/"] and first.fields["cpc"] == ["C07F9/65031"]
    assert first.fields["priorities"] == [{"number": "DE102004052725A", "date": "2004-10-27"}]
    assert first.fields["filing_date"] == date(2005, 10, 17)
    assert [(e.row, e.field, e.code) for e in errors] == [(2, "normalized_applicants", "bad_list")]
    assert records[1].application_no == ep("05804011")


def test_applicant_lists_and_other_files_are_rejected_with_a_reason(tmp_path):
    names = write(tmp_path / "applicants.csv", ["applicant", "type"], [["BASF SE", "Industry/Other"]])
    assert epo_dtf.detect(names) == epo_dtf.APPLICANTS
    records, errors = split(epo_dtf.read(names))
    assert records == [] and errors[0].fatal and "not patents" in errors[0].reason
    other = write(tmp_path / "other.csv", ["申请号", "专利名称"], [["CN1", "x"]])
    assert epo_dtf.detect(other) is None
    assert epo_dtf.detect(tmp_path / "missing.csv") is None
    assert "not an EPO Deep Tech Finder" in split(epo_dtf.read(other))[1][0].reason


@pytest.mark.data
def test_real_export_reads_without_errors(require_data):
    folder = require_data("epo-deeptechfinder-de-univ")
    records, errors = split(epo_dtf.read(folder / "EPO_DeepTechFinder_20250513_DE_Uni_Top100.utf8.csv"))
    assert errors == []
    assert len(records) == 11118 and len({r.application_no for r in records}) == 11054  # 64 co-owned twice
    first = records[0]  # checked by eye against the file and Espacenet: KIT, "Spring Member.", 1/22/80
    assert first.application_no == "EP80100298.1" and first.fields["filing_date"] == date(1980, 1, 22)
    assert first.fields["title"] == "Spring Member" and first.parties[0].raw_name == "Karlsruhe Institute of Technology"
    assert first.fields["legal_status"] == "expired"
    raw = [r.fields["legal_status_raw"] for r in records]
    assert raw.count("Refused / Withdrawn") == 4295 and raw.count("Pending") == 1626
    assert raw.count("EP granted") == 4907 and raw.count("EP granted & Unitary") == 290
    years = [r.fields["filing_date"].year for r in records]
    assert min(years) == 1980 and max(years) == 2024
    assert len({r.parties[0].raw_name for r in records}) == 100


@pytest.mark.data
def test_real_analysis_files(require_data):
    folder = require_data("epo-deeptechfinder-de-univ")
    counts = {}
    for name in ("tu_dresden_complete_analysis.csv", "tu_chemnitz_complete_analysis.csv",
                 "humboldt_complete_analysis.csv"):
        records, errors = split(epo_dtf.read(folder / name))
        assert errors == []
        counts[name.split("_complete")[0]] = len(records)
        assert all(r.application_no.startswith("EP") and r.fields.get("filing_date") for r in records)
    assert counts == {"tu_dresden": 50, "tu_chemnitz": 21, "humboldt": 34}
    chemnitz = next(r for r in epo_dtf.read(folder / "tu_chemnitz_complete_analysis.csv"))
    assert chemnitz.application_no == "EP05804010.6" and chemnitz.fields["cpc"] == ["C07F9/65031", "C07F9/6512"]
    _, errors = split(epo_dtf.read(folder / "tu_dresden_applicants.csv"))
    assert errors[0].code == "unsupported_format"


def test_import_through_the_cli(db_url, tmp_path):
    src = write(tmp_path / "dtf.csv", DTF_HEADERS, [
        dtf_row(), dtf_row(number="EP1234567A"), dtf_row(university="Zweite Hochschule"),
        dtf_row(number="EP13000001A", status="Pending", filed="5/6/13")])
    result = CliRunner().invoke(cli_app, ["--db", db_url, "--workspace", str(tmp_path / "ws"), "import", str(src),
                                          "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["imported"] == 2 and summary["files"][0]["format"] == "epo-dtf"
    assert summary["rejected"] == 1
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Patent.application_no, Patent.country, Patent.legal_status, Patent.title)
                                .order_by(Patent.application_no)).all()
            owners = conn.execute(select(PatentParty.raw_name).join(Patent, Patent.id == PatentParty.patent_id)
                                  .where(Patent.application_no == ep("12345678"))
                                  .order_by(PatentParty.raw_name)).scalars().all()
    finally:
        engine.dispose()
    assert rows == [(ep("12345678"), "EP", "valid", "Widget For Testing"),
                    (ep("13000001"), "EP", "pending", "Widget For Testing")]
    assert owners == ["Universität Beispielstadt", "Zweite Hochschule"]
