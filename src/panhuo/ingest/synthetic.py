"""Synthetic 61-column exports for demos and scale benchmarks; every row is marked ``synthetic``.

Values follow plausible distributions (type mix, filing years, legal status, IPC, institutions, inventor teams)
and carry valid application-number check digits. Titles, abstracts and IPC codes are sampled at run time from
the real reference sets when the data directory has them (``cn-patent-titles-ipc``, ``kppatent-zh``), else from
a few neutral built-in fragments. Nothing generated here is ever presented as real data.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from pathlib import Path

from panhuo.config import Settings
from panhuo.ingest.mapping import get_map
from panhuo.patents.numbers import compute_check_digit

SYNTHETIC_COLUMN = "synthetic"
INSTITUTIONS = [("浙江大学", "高校"), ("清华大学", "高校"), ("华中科技大学", "高校"), ("山东大学", "高校"),
                ("四川大学", "高校"), ("西安交通大学", "高校"), ("哈尔滨工业大学", "高校"), ("江南大学", "高校"),
                ("中国科学院大连化学物理研究所", "科研机构"), ("中国科学院宁波材料技术与工程研究所", "科研机构"),
                ("中科大数据研究院", "科研机构"), ("浙江省农业科学院", "科研机构"), ("四川大学华西医院", "医院")]
ENTERPRISES = ["示例智能装备有限公司", "示例新材料科技有限公司", "示例生物医药股份有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文辉力斌宇浩凯健俊帆鹏晨欣怡思雨博泽"
FALLBACK_TITLES = [("一种数据采集装置", "G06F16/00"), ("一种复合材料及其制备方法", "C08L63/00"),
                   ("一种检测方法及系统", "G01N33/00"), ("一种农作物种植装置", "A01G9/02"),
                   ("一种电池管理系统", "H02J7/00"), ("一种医用固定装置", "A61B17/00")]
FALLBACK_ABSTRACT = "本发明公开了一种装置，包括壳体和设置在壳体内的模块，结构简单，使用方便，提高了效率。"
STATUS_GRANTED = [("有权-审定授权", 60), ("失效-未缴年费", 25), ("失效-期限届满", 5), ("有权-专利权质押", 3),
                  ("有权-专利权的转移", 4), ("失效-全部无效", 1), ("失效-放弃", 2)]
STATUS_PENDING = [("审中-实质审查", 55), ("失效-视为撤回", 25), ("失效-驳回", 15), ("审中-公开", 5)]
YEARS = list(range(2008, 2025))
YEAR_WEIGHTS = [1 + (y - 2008) * 0.6 for y in YEARS]


def _fragments(settings: Settings | None = None) -> tuple[list[tuple[str, str]], list[str]]:
    """(title, IPC) pairs and abstracts from the reference data when present, else built-in fragments."""
    settings = settings or Settings()
    titles: list[tuple[str, str]] = []
    abstracts: list[str] = []
    if settings.has_data("cn-patent-titles-ipc"):
        groups: dict[str, list[str]] = {}
        with settings.data_path("cn-patent-titles-ipc", "ipc_group_distribution.csv").open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                groups.setdefault(row["ipc_code"][:4], []).append(row["ipc_code"])
        with settings.data_path("cn-patent-titles-ipc", "cn_patent_titles_ipc_subclasses.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                sub = row["ipc_subclasses"].split("|")[0]
                titles.append((row["title"], (groups.get(sub) or [f"{sub}1/00"])[0]))
    if settings.has_data("kppatent-zh"):
        with settings.data_path("kppatent-zh", "kppatent_zh.jsonl").open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i >= 5000:
                    break
                text = json.loads(line).get("abstract") or ""
                if text:
                    abstracts.append(text[:400])
    return titles or FALLBACK_TITLES, abstracts or [FALLBACK_ABSTRACT]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _teams(rng: random.Random) -> dict[str, list[str]]:
    return {name: [_person(rng) for _ in range(60)] for name in [n for n, _ in INSTITUTIONS] + ENTERPRISES}


def rows(count: int, *, seed: int = 1, settings: Settings | None = None) -> Iterator[list[str]]:
    """``count`` synthetic rows in the 61-column layout plus the ``synthetic`` marker column."""
    rng = random.Random(seed)
    titles, abstracts = _fragments(settings)
    teams = _teams(rng)
    for i in range(count):
        yield _row(i, rng, titles, abstracts, teams)


def _row(i: int, rng: random.Random, titles, abstracts, teams) -> list[str]:
    kind = rng.choices((1, 2, 3), weights=(55, 38, 7))[0]
    year = rng.choices(YEARS, weights=YEAR_WEIGHTS)[0]
    digits = f"{year}{kind}{i % 10_000_000:07d}"
    app = f"CN{digits}.{compute_check_digit(digits)}"
    filed = f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    published = f"{min(year + 1, 2025)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    granted = kind != 1 or rng.random() < 0.6
    grant_date = f"{min(year + rng.choice((1, 2, 3)), 2025)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" \
        if granted else "0"
    suffix = {1: "B" if granted else "A", 2: "U", 3: "S"}[kind]
    pub = f"CN{kind}{i % 100_000_000:08d}{suffix}"
    owner, owner_type = INSTITUTIONS[rng.randrange(len(INSTITUTIONS))] if rng.random() < 0.9 else \
        (rng.choice(ENTERPRISES), "企业")
    pool = teams.get(owner) or [_person(rng) for _ in range(5)]
    inventors = ";".join(rng.sample(pool, rng.choice((1, 2, 3, 3, 4, 4, 5, 6))))
    title, ipc = titles[rng.randrange(len(titles))]
    status = _pick(rng, STATUS_GRANTED if granted else STATUS_PENDING)
    type_text = {1: "发明公开;发明授权" if granted else "发明公开", 2: "实用新型", 3: "外观设计"}[kind]
    lapse = grant_date if status.startswith("失效") and granted else "0"
    first = inventors.split(";")[0]
    values = {
        "序号": str(i + 1), "申请日": filed, "公开日": published, "授权公告日": grant_date, "申请人": owner,
        "发明人": inventors, "申请号": app, "公开号": pub if kind != 1 else pub.replace("B", "A"),
        "授权公告号": pub if granted else "", "专利类型": type_text, "专利名称": title, "授权名称": title,
        "申请摘要": abstracts[rng.randrange(len(abstracts))], "主权项": f"1.{title}，其特征在于，包括……",
        "申请人地址": "", "法律状态": status, "主分类号": ipc, "分类号": ipc, "国省代码": "浙江(33)",
        "专利代理人": _person(rng), "专利代理机构": "示例专利代理事务所（普通合伙）", "优先权数量": "0",
        "全文链接": f"查看{app}", "第一发明人": first, "第一权利人": owner, "申请人类型": owner_type,
        "当前发明人": inventors, "当前权利人": owner, "引证数": str(rng.choice((0, 0, 1, 2, 3, 5))),
        "专利转移次数": str(rng.choice((0,) * 18 + (1, 2))), "许可次数": str(rng.choice((0,) * 30 + (1,))),
        "质押次数": "0", "失效日期": lapse, "审查时长": "0",
        "实质审查日": f"{min(year + 1, 2025)}0{rng.randint(1, 9)}15" if kind == 1 else "0",
    }
    return [values.get(h, "") for h in HEADER[:-1]] + ["1"]


HEADER: list[str] = [c.header for c in get_map("export61").columns.values()] + [SYNTHETIC_COLUMN]


def write_export(path: Path | str, *, rows: int, fmt: str = "csv", seed: int = 1,
                 settings: Settings | None = None) -> int:
    """Write ``rows`` synthetic rows as CSV (UTF-8) or xlsx; returns the number written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    generated = globals()["rows"](rows, seed=seed, settings=settings)
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows(generated)
        return rows
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_urls": False, "strings_to_formulas": False})
    sheet = book.add_worksheet("专利总表")
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(generated, start=1):
        sheet.write_row(r, 0, row)
    book.close()
    return rows
