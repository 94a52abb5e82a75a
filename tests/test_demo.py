"""`panhuo demo` runs the main job end to end, with or without the reference data."""

from __future__ import annotations

from panhuo.config import get_settings
from panhuo.demo import build_demo
from panhuo.search import index as search_index


def test_demo_builds_a_workspace_without_reference_data(db_url, tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    settings = get_settings(workspace=tmp_path / "ws", db=db_url, data=empty)
    steps: list[str] = []
    try:
        summary = build_demo(settings, synthetic_rows=30, say=lambda step, data: steps.append(step))
    finally:
        search_index.forget(tmp_path / "ws" / "index")
    assert steps == ["workspace", "accounts", "import", "library", "evaluate", "index", "classifier", "demands",
                     "inventory"]
    assert "skipped" in summary["classifier"] and "cn-patent-titles-ipc" in summary["classifier"]["skipped"]
    assert "skipped" in summary["import"]["real"] and "PANHUO_DATA" in summary["import"]["real"]["skipped"]
    assert summary["import"]["synthetic"]["imported"] == 30 and summary["import"]["synthetic"]["rejected"] == 0
    assert "skipped" in summary["demands"]
    inventory = summary["inventory"]
    assert inventory["patents"] >= 30 and inventory["synthetic"].get("True", 0) >= 30
    assert summary["index"]["total"] == inventory["patents"]
    assert {a["role"] for a in summary["accounts"]} >= {"operator_admin", "inventor", "enterprise_user"}
    assert sum(summary["evaluate"]["dispositions"].values()) == summary["evaluate"]["evaluated"]
