"""Every real sample export imports with zero unexplained rejections (needs the shared data)."""

from __future__ import annotations

import pytest

from panhuo.ingest import flows

pytestmark = pytest.mark.data

SAMPLES = {"patent_table_sample_10rows.csv": ("export61", 10), "cnki_MaterialChemistry_18_19.csv": ("cnki", 33),
           "cnki_MaterialChemistry_18_19.xlsx": ("cnki", 33)}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_real_sample_imports_cleanly(session, tmp_path, require_data, name):
    path = require_data("cn-export-samples") / name
    result = flows.import_into_session(db_session=session, paths=[path], reports_dir=tmp_path)
    fmt, rows = SAMPLES[name]
    assert result.files[0]["format"] == fmt
    assert result.counts["rows"] == rows and result.counts["imported"] == rows
    assert result.counts["rejected"] == 0 and result.counts["by_reason"] == {}


def test_incopat_headers_are_all_understood(require_data):
    from panhuo.ingest import mapping

    headers = (require_data("cn-export-samples") / "incopat_export_columns.txt").read_text("utf-8").split()
    hm = mapping.detect(headers)
    assert hm.format == "incopat"
    resolved = hm.resolve(headers)
    dropped = [h for h, col in zip(headers, resolved) if col is None]
    assert dropped == ["链接到incoPat"]  # every other column is mapped or kept in extra
