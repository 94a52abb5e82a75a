"""Hand-made export files for ingest tests (invented values, valid check digits)."""

from __future__ import annotations

import csv
from pathlib import Path

from panhuo.patents.numbers import compute_check_digit

EXPORT61_HEADERS = ["序号", "申请日", "公开日", "授权公告日", "申请人", "发明人", "申请号", "公开号", "授权公告号", "专利类型",
                    "专利名称", "申请摘要", "法律状态", "主分类号", "分类号", "国省代码", "第一权利人", "申请人类型", "当前权利人",
                    "专利转移次数", "简单同族数量", "转让日期", "实质审查日"]


def app(digits: str) -> str:
    return f"CN{digits}.{compute_check_digit(digits)}"


def export61_row(n: int, **overrides) -> dict:
    row = {"序号": str(n), "申请日": "20210715", "公开日": "20220105", "授权公告日": "20220105", "申请人": "甲省理工大学",
           "发明人": "张三;李四", "申请号": app(f"2021216{n:05d}"), "公开号": f"CN2150{n:05d}U",
           "授权公告号": f"CN2150{n:05d}U", "专利类型": "实用新型", "专利名称": f"一种测试装置{n}",
           "申请摘要": "本实用新型公开了一种装置。", "法律状态": "有权-审定授权", "主分类号": "G01N33/00",
           "分类号": "G01N33/00;G01N15/06", "国省代码": "浙江(33)", "第一权利人": "甲省理工大学", "申请人类型": "高校",
           "当前权利人": "甲省理工大学", "专利转移次数": "0", "简单同族数量": "1", "转让日期": "", "实质审查日": "0"}
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict], headers: list[str] | None = None, encoding: str = "utf-8") -> Path:
    headers = headers or EXPORT61_HEADERS
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path
