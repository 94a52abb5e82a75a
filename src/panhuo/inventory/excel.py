"""Excel round-trip of the self-assessment: export a campaign's items, fill offline, import them back.

The sheet has one row per item: hidden key columns (item id, application number) then one column per form
field, headed with its Chinese label (``self_assessment.yaml``); English labels and field names are accepted
on import. Each row is saved on its own: a bad row is reported with its row number and never blocks the others.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from panhuo.accounts.permissions import PermissionDenied, Principal
from panhuo.inventory import rules, vocabulary
from panhuo.inventory import service as inventory_service
from panhuo.inventory.models import InventoryCampaign
from panhuo.web import xlsx

KEY_HEADERS = {"item_id": "条目ID", "application_no": "申请号", "title": "专利名称", "status": "状态"}


def _display(spec: dict, value):
    if value is None:
        return None
    if spec["kind"] == "choice":
        return next((o["zh"] for o in spec["options"] if o["value"] == value), value)
    if spec["kind"] == "multi":
        return "、".join(next((o["zh"] for o in spec["options"] if o["value"] == v), v) for v in value)
    if spec["kind"] == "bool":
        return "是" if value else "否"
    return value


def export_items(*, db_session: Session, principal: Principal, campaign: InventoryCampaign,
                 mine: bool = False) -> bytes:
    """The campaign's items (or the principal's own) as an .xlsx to fill offline."""
    specs = vocabulary.fields()
    rows = []
    for item, patent in inventory_service.list_items(db_session=db_session, principal=principal, campaign=campaign,
                                                     mine=mine, limit=100_000):
        row = {"item_id": item.id, "application_no": patent.application_no, "title": patent.title,
               "status": rules.STATUS_ZH.get(item.status, item.status)}
        row.update({s["name"]: _display(s, (item.assessment or {}).get(s["name"])) for s in specs})
        rows.append(row)
    labels = {**KEY_HEADERS, **{s["name"]: s["label"]["zh"] for s in specs}}
    return xlsx.workbook(rows, sheet="自评表", headers=list(KEY_HEADERS) + [s["name"] for s in specs], labels=labels)


@dataclass
class ImportReport:
    saved: int = 0
    errors: list[dict] = field(default_factory=list)  # {"row", "item_id", "field", "message"}


def _header_map() -> dict[str, str]:
    mapping = {v: k for k, v in KEY_HEADERS.items()} | {k: k for k in KEY_HEADERS}
    for spec in vocabulary.fields():
        for label in (spec["name"], spec["label"]["zh"], spec["label"]["en"]):
            mapping[label] = spec["name"]
    return mapping


def import_items(*, db_session: Session, principal: Principal, campaign: InventoryCampaign,
                 content: bytes) -> ImportReport:
    """Save each row's self-assessment; rows of other campaigns, unknown items or refused edits are reported."""
    report = ImportReport()
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # noqa: BLE001 (not an xlsx at all)
        report.errors.append({"row": 0, "item_id": None, "field": None, "message": f"not a readable .xlsx: {exc}"})
        return report
    rows = sheet.iter_rows(values_only=True)
    mapping = _header_map()
    header = [mapping.get(str(h).strip()) if h is not None else None for h in next(rows, [])]
    if "item_id" not in header:
        report.errors.append({"row": 1, "item_id": None, "field": None, "message": "no 条目ID (item_id) column"})
        return report
    for number, values in enumerate(rows, start=2):
        record = {name: v for name, v in zip(header, values) if name}
        if all(v is None for v in record.values()):
            continue
        _import_row(db_session, principal, campaign, number, record, report)
    return report


def _import_row(db_session, principal, campaign, number: int, record: dict, report: ImportReport) -> None:
    def fail(message, fld=None):
        report.errors.append({"row": number, "item_id": record.get("item_id"), "field": fld, "message": message})

    try:
        item_id = int(record.get("item_id"))
    except (TypeError, ValueError):
        return fail("条目ID is missing or not a number")
    item = inventory_service.get_item(db_session=db_session, item_id=item_id)
    if item is None or item.campaign_id != campaign.id:
        return fail(f"item {item_id} is not in this campaign")
    try:
        with db_session.begin_nested():
            errors = inventory_service.save_assessment(db_session=db_session, principal=principal, item=item,
                                                       values=record)
    except (PermissionDenied, rules.TransitionError) as exc:
        return fail(str(exc))
    for fld, message in errors.items():
        fail(message, fld)
    report.saved += 1

