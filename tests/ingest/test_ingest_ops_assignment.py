"""EPO OPS (biblio, INPADOC legal, family) and USPTO Assignment Search XML: readers and import into the database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from panhuo.db import make_engine
from panhuo.ingest import epo_ops, flows, uspto_assignment
from panhuo.ingest.records import PatentRecord, RowError
from panhuo.patents.models import LegalEvent, Patent, PatentParty

OPS = 'xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org"'

BIBLIO = f"""<?xml version="1.0" encoding="UTF-8"?>
<ops:world-patent-data {OPS}><exchange-documents>
 <exchange-document system="ops.epo.org" family-id="555" country="CN" doc-number="115000001" kind="A">
  <bibliographic-data>
   <publication-reference><document-id document-id-type="docdb"><country>CN</country>
    <doc-number>115000001</doc-number><kind>A</kind><date>20220906</date></document-id></publication-reference>
   <classifications-ipcr><classification-ipcr sequence="1"><text>G06F  16/    35  A I</text></classification-ipcr>
   </classifications-ipcr>
   <patent-classifications><patent-classification sequence="1"><classification-scheme office="EP" scheme="CPCI"/>
    <section>G</section><class>06</class><subclass>F</subclass><main-group>16</main-group><subgroup>355</subgroup>
   </patent-classification></patent-classifications>
   <application-reference><document-id document-id-type="docdb"><country>CN</country>
    <doc-number>202210123456</doc-number><kind>A</kind></document-id>
    <document-id document-id-type="epodoc"><doc-number>CN202210123456</doc-number><date>20220128</date></document-id>
   </application-reference>
   <priority-claims><priority-claim sequence="1" kind="national"><document-id document-id-type="epodoc">
    <doc-number>CN202210123456</doc-number><date>20220128</date></document-id></priority-claim></priority-claims>
   <parties>
    <applicants>
     <applicant sequence="1" data-format="epodoc"><applicant-name><name>UNIV ZHEJIANG [CN]</name></applicant-name></applicant>
     <applicant sequence="1" data-format="original"><applicant-name><name>浙江大学</name></applicant-name></applicant>
    </applicants>
    <inventors>
     <inventor sequence="1" data-format="original"><inventor-name><name>张三</name></inventor-name></inventor>
    </inventors>
   </parties>
   <invention-title lang="en">Text retrieval method</invention-title>
   <invention-title lang="zh">一种文本检索方法</invention-title>
   <references-cited>
    <citation sequence="1"><patcit num="1"><document-id document-id-type="docdb"><country>CN</country>
     <doc-number>110000001</doc-number><kind>A</kind></document-id></patcit></citation>
    <citation sequence="2"><nplcit num="2"><text>Some paper</text></nplcit></citation>
   </references-cited>
  </bibliographic-data>
  <abstract lang="en"><p>A method.</p></abstract>
 </exchange-document>
</exchange-documents></ops:world-patent-data>
"""

LEGAL = f"""<?xml version="1.0" encoding="UTF-8"?>
<ops:world-patent-data {OPS}><ops:patent-family legal="true" total-result-count="1">
 <ops:family-member family-id="555">
  <publication-reference><document-id document-id-type="docdb"><country>CN</country>
   <doc-number>115000001</doc-number><kind>A</kind><date>20220906</date></document-id></publication-reference>
  <application-reference><document-id document-id-type="docdb"><country>CN</country>
   <doc-number>202210123456</doc-number><kind>A</kind><date>20220128</date></document-id></application-reference>
  <ops:legal code="PE01" desc="ENTRY INTO FORCE OF THE REGISTRATION OF THE CONTRACT FOR PLEDGE OF PATENT RIGHT" infl="+">
   <ops:L001EP desc="Country Code">CN</ops:L001EP><ops:L007EP desc="Gazette DATE">2023-05-12</ops:L007EP>
   <ops:L500EP><ops:L510EP desc="Free Format Text">PLEDGEE: 某银行</ops:L510EP></ops:L500EP>
  </ops:legal>
  <ops:legal code="TR01" desc="TRANSFER OF PATENT RIGHT" infl="+">
   <ops:L001EP desc="Country Code">CN</ops:L001EP><ops:L007EP desc="Gazette DATE">2024-01-02</ops:L007EP>
   <ops:L500EP><ops:L509EP desc="OWNER">某科技有限公司</ops:L509EP></ops:L500EP>
  </ops:legal>
 </ops:family-member>
</ops:patent-family></ops:world-patent-data>
"""

FAMILY = f"""<?xml version="1.0" encoding="UTF-8"?>
<ops:world-patent-data {OPS}><ops:patent-family total-result-count="3">
 <ops:family-member family-id="555">
  <publication-reference><document-id document-id-type="docdb"><country>CN</country>
   <doc-number>115000001</doc-number><kind>A</kind><date>20220906</date></document-id></publication-reference>
  <application-reference><document-id document-id-type="docdb"><country>CN</country>
   <doc-number>202210123456</doc-number><kind>A</kind><date>20220128</date></document-id></application-reference>
 </ops:family-member>
 <ops:family-member family-id="555">
  <publication-reference><document-id document-id-type="docdb"><country>US</country>
   <doc-number>2024000001</doc-number><kind>A1</kind><date>20240104</date></document-id></publication-reference>
  <application-reference><document-id document-id-type="docdb"><country>US</country>
   <doc-number>202318000001</doc-number><kind>A</kind><date>20230105</date></document-id></application-reference>
 </ops:family-member>
 <ops:family-member family-id="555">
  <publication-reference><document-id document-id-type="docdb"><country>JP</country>
   <doc-number>2024500001</doc-number><kind>A</kind><date>20240110</date></document-id></publication-reference>
  <application-reference><document-id document-id-type="docdb"><country>JP</country>
   <doc-number>2023500001</doc-number><kind>A</kind><date>20230110</date></document-id></application-reference>
 </ops:family-member>
</ops:patent-family></ops:world-patent-data>
"""


def _doc(reel: str, frame: str, conveyance: str, assignor: str, assignee: str, recorded: str) -> str:
    return f"""<doc><str name="reelNo">{reel}</str><str name="frameNo">{frame}</str>
 <date name="recordedDate">{recorded}T04:00:00Z</date><str name="conveyanceText">{conveyance}</str>
 <arr name="patAssignorName"><str>{assignor}</str></arr>
 <arr name="patAssignorExDate"><date>2019-01-02T04:00:00Z</date></arr>
 <arr name="patAssigneeName"><str>{assignee}</str></arr>
 <arr name="applNum"><str>16123456</str><str>NULL</str></arr>
 <arr name="filingDate"><date>2018-05-01T04:00:00Z</date><date>2017-03-01T04:00:00Z</date></arr>
 <arr name="patNum"><str>10999999</str><str>NULL</str></arr>
 <arr name="publNum"><str>20190012345</str><str>20180054321</str></arr></doc>"""


ASSIGNMENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<response><lst name="responseHeader"><int name="status">0</int></lst>
<result name="response" numFound="2" start="0">
{_doc("48001", "12", "SECURITY INTEREST (SEE DOCUMENT FOR DETAILS).", "ACME LLC", "BIG BANK, N.A.", "2019-01-09")}
{_doc("51000", "7", "RELEASE BY SECURED PARTY (SEE DOCUMENT FOR DETAILS).", "BIG BANK, N.A.", "ACME LLC",
      "2020-02-03")}
</result></response>
"""


@pytest.fixture
def fixtures(tmp_path) -> dict[str, Path]:
    files = {"biblio": BIBLIO, "legal": LEGAL, "family": FAMILY, "assignment": ASSIGNMENT}
    out = {}
    for name, text in files.items():
        out[name] = tmp_path / f"{name}.xml"
        out[name].write_text(text, encoding="utf-8")
    return out


def _split(items) -> tuple[list[PatentRecord], list[RowError]]:
    items = list(items)
    return [i for i in items if isinstance(i, PatentRecord)], [i for i in items if isinstance(i, RowError)]


def test_detect_formats(fixtures):
    assert epo_ops.detect(fixtures["biblio"]) == "epo-ops-biblio"
    assert epo_ops.detect(fixtures["legal"]) == "epo-ops-legal"
    assert epo_ops.detect(fixtures["family"]) == "epo-ops-family"
    assert epo_ops.detect(fixtures["assignment"]) is None
    assert uspto_assignment.detect(fixtures["assignment"]) == "uspto-assignment-xml"
    assert uspto_assignment.detect(fixtures["biblio"]) is None


def test_biblio_record(fixtures):
    records, errors = _split(epo_ops.read(fixtures["biblio"]))
    assert errors == [] and len(records) == 1
    r = records[0]
    assert r.application_no.startswith("CN202210123456.") and r.source_format == "epo-ops-biblio"
    f = r.fields
    assert f["title"] == "一种文本检索方法" and f["title_en"] == "Text retrieval method"
    assert f["abstract"] == "A method." and f["filing_date"] == date(2022, 1, 28)
    assert f["publication_no"] == "CN115000001A" and f["publication_date"] == date(2022, 9, 6)
    assert f["ipc_main"] == "G06F16/35" and f["cpc"] == ["G06F16/355"]
    assert f["backward_citations"] == ["CN110000001A"] and f["npl_citation_count"] == 1
    assert f["priorities"] == [{"number": "CN202210123456", "date": "2022-01-28", "country": "CN"}]
    assert f["extra"] == {"epo_family_id": "555"}
    assert [(p.role, p.raw_name, p.country) for p in r.parties] == [("applicant", "浙江大学", "CN"),
                                                                    ("inventor", "张三", None)]


def test_legal_events_use_inpadoc_codes(fixtures):
    records, errors = _split(epo_ops.read(fixtures["legal"]))
    assert errors == [] and len(records) == 1
    events = records[0].events
    assert [(e.code, e.kind, e.event_date) for e in events] == [("PE01", "pledge", date(2023, 5, 12)),
                                                                 ("TR01", "transfer", date(2024, 1, 2))]
    assert events[1].counterparty == "某科技有限公司"
    assert set(records[0].fields) == {"filing_date", "publication_no", "publication_date"}


def test_family_members_carry_size_and_countries(fixtures):
    records, errors = _split(epo_ops.read(fixtures["family"]))
    assert errors == []
    assert [r.application_no[:14] for r in records] == ["CN202210123456", "US18/000001", "JP2023500001"]
    assert all(r.fields["family_size"] == 3 and r.fields["family_countries"] == ["CN", "JP", "US"] for r in records)


@pytest.mark.parametrize(("country", "number", "original", "expected"), [
    ("US", "94268010", "12942680", "US12/942680"),
    ("US", "2366704", "11023667", "US11/023667"),
    ("US", "20685698", None, "US20685698"),  # no series code given: kept as DOCDB, not guessed
    ("US", "201815919370", None, "US15/919370"),
    ("EP", "99203729", None, "EP99203729.1"),
    ("WO", "US2013050328", None, "PCT/US2013/050328"),
    ("JP", "2005505120", None, "JP2005505120"),
])
def test_docdb_application_numbers(country, number, original, expected):
    assert epo_ops.application_no(country, number, original) == expected


def test_bad_application_number_is_a_fatal_error(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text(LEGAL.replace("202210123456", "202270123456"), encoding="utf-8")
    records, errors = _split(epo_ops.read(path))
    assert records == [] and len(errors) == 1 and errors[0].fatal and errors[0].field == "application_no"


@pytest.mark.parametrize(("text", "kind"), [
    ("ASSIGNMENT OF ASSIGNORS INTEREST (SEE DOCUMENT FOR DETAILS).", "transfer"),
    ("NUNC PRO TUNC ASSIGNMENT (SEE DOCUMENT FOR DETAILS).", "transfer"),
    ("SECURITY INTEREST (SEE DOCUMENT FOR DETAILS).", "pledge"),
    ("TERMINATION AND RELEASE OF PATENT SECURITY AGREEMENT RECORDED AT REEL 048041/FRAME 0605", "pledge_release"),
    ("RELEASE BY SECURED PARTY (SEE DOCUMENT FOR DETAILS).", "pledge_release"),
    ("LICENSE (SEE DOCUMENT FOR DETAILS).", "licence"),
    ("CHANGE OF NAME (SEE DOCUMENT FOR DETAILS).", "other"),
])
def test_conveyance_kinds(text, kind):
    assert uspto_assignment.conveyance_kind(text) == kind


def test_assignment_events_on_listed_patents(fixtures):
    records, errors = _split(uspto_assignment.read(fixtures["assignment"]))
    assert errors == [] and len(records) == 4
    first = records[0]
    assert first.application_no == "US16/123456" and first.fields == {"filing_date": date(2018, 5, 1)}
    event = first.events[0]
    assert (event.kind, event.event_date, event.counterparty) == ("pledge", date(2019, 1, 9), "BIG BANK, N.A.")
    assert event.details["reel_frame"] == "048001/0012" and event.details["assignors"] == ["ACME LLC"]
    assert event.details["patent_no"] == "US10999999"
    no_app = records[1]  # applNum NULL: keyed by its publication number
    assert no_app.application_no == "" and no_app.fields["publication_no"] == "US20180054321"
    assert records[2].events[0].kind == "pledge_release"


def test_import_merges_without_blanking(db_url, fixtures, tmp_path):
    engine = make_engine(db_url)
    order = [fixtures[n] for n in ("biblio", "legal", "family", "assignment")]
    result = flows.import_files(engine=engine, paths=order, workspace=tmp_path)
    assert result.counts["rejected"] == 0 and result.counts["by_reason"] == {}
    assert [f["format"] for f in result.files] == ["epo-ops-biblio", "epo-ops-legal", "epo-ops-family",
                                                   "uspto-assignment-xml"]
    with engine.connect() as conn:
        cn = conn.execute(select(Patent).where(Patent.application_no.like("CN202210123456.%"))).one()
        assert cn.title == "一种文本检索方法" and cn.ipc_main == "G06F16/35"  # legal/family did not blank them
        assert cn.family_size == 3 and cn.family_countries == ["CN", "JP", "US"]
        kinds = conn.execute(select(LegalEvent.kind).where(LegalEvent.patent_id == cn.id)).scalars().all()
        assert sorted(kinds) == ["pledge", "transfer"]
        owners = conn.execute(select(PatentParty.raw_name).where(PatentParty.patent_id == cn.id)).scalars().all()
        assert "浙江大学" in owners
        us = conn.execute(select(Patent.id).where(Patent.application_no == "US16/123456")).scalar_one()
        us_kinds = conn.execute(select(LegalEvent.kind).where(LegalEvent.patent_id == us)).scalars().all()
        assert sorted(us_kinds) == ["pledge", "pledge_release"]


# -- the real samples (patent-client 5.0.19 test fixtures) -------------------------------------------------------
@pytest.mark.data
def test_every_real_sample_reads_without_errors(require_data):
    folder = require_data("patent-client-fixtures")
    files = sorted(folder.glob("*/*.xml"))
    assert len(files) == 11
    for path in files:
        module = epo_ops if epo_ops.detect(path) else uspto_assignment
        assert module.detect(path), path
        records, errors = _split(module.read(path))
        assert errors == [] and records, path


@pytest.mark.data
def test_real_samples_values_checked_by_eye(require_data):
    folder = require_data("patent-client-fixtures")
    (b4,), _ = _split(epo_ops.read(folder / "epo_ops_biblio/biblio_example_4.xml"))
    assert b4.application_no == "US12/942680" and b4.fields["publication_no"] == "US2012116137A1"
    assert b4.fields["title"] == "SINGLE LOOP MULTISTAGE FUEL PRODUCTION" and b4.fields["backward_citation_count"] == 6
    (b3,), _ = _split(epo_ops.read(folder / "epo_ops_biblio/biblio_example_3.xml"))
    assert b3.application_no == "AU2013290010" and b3.fields["ipc_main"] == "C10L1/00"
    assert [p.raw_name for p in b3.parties if p.role == "applicant"] == ["PRIMUS GREEN ENERGY INC",
                                                                        "BLUESCAPE CLEAN FUELS, LLC"]
    (legal,), _ = _split(epo_ops.read(folder / "epo_ops_legal/example_3.xml"))
    assert legal.application_no == "US15/919370" and legal.fields["grant_no"] == "US10465445B2"
    transfers = [e for e in legal.events if e.code == "AS"]
    assert transfers[0].counterparty == "NCS OILFIELD SERVICES CANADA, INC., CANADA" and len(legal.events) == 14
    family, _ = _split(epo_ops.read(folder / "epo_ops_family/family_input.xml"))
    assert [r.application_no for r in family] == ["EP99203729.1", "AT99203729", "DE69905327", "NL1010536",
                                                  "US20685698"]
    assert family[0].fields["grant_no"] == "EP1000000B1" and family[0].fields["family_size"] == 5
    a3, _ = _split(uspto_assignment.read(folder / "uspto_assignment/assignment_3.xml"))
    assert len(a3) == 379 and a3[0].events[0].details["reel_frame"] == "057434/0429"
    assert a3[0].events[0].kind == "pledge" and a3[0].events[0].counterparty == "WILMINGTON SAVINGS FUND SOCIETY, FSB"


@pytest.mark.data
def test_all_real_samples_import_into_the_database(db_url, require_data, tmp_path):
    folder = require_data("patent-client-fixtures")
    engine = make_engine(db_url)
    result = flows.import_files(engine=engine, paths=sorted(folder.glob("*/*.xml")), workspace=tmp_path)
    assert result.counts["rejected"] == 0 and result.counts["by_reason"] == {}
    with engine.connect() as conn:
        ep = conn.execute(select(Patent).where(Patent.application_no == "EP99203729.1")).one()
        assert ep.family_size == 5 and ep.family_countries == ["AT", "DE", "EP", "NL", "US"]
        assert ep.grant_no == "EP1000000B1"
        lapses = conn.execute(select(LegalEvent.code).where(LegalEvent.patent_id == ep.id,
                                                            LegalEvent.kind == "lapse")).scalars().all()
        assert "PG25" in lapses
        us = conn.execute(select(Patent.id).where(Patent.application_no == "US10/628795")).scalar_one()
        event = conn.execute(select(LegalEvent.kind, LegalEvent.counterparty, LegalEvent.details)
                             .where(LegalEvent.patent_id == us)).one()
        assert event.kind == "transfer" and event.counterparty == "REALTIME DATA LLC"
        assert event.details["reel_frame"] == "018247/0405"
