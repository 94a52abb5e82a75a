"""Party names: splitting, display, one key per legal person, kind from the name."""

import pytest

from panhuo.patents.enums import PartyKind
from panhuo.patents.parties import classify_kind, display_name, party_key, split_department, split_names


@pytest.mark.parametrize(("cell", "names"), [
    ("刘迪;刘敏;王煜伟;付艳波;王元卓", ["刘迪", "刘敏", "王煜伟", "付艳波", "王元卓"]),
    ("浙江大学；杭州电子科技大学", ["浙江大学", "杭州电子科技大学"]),
    ("浙江大学|浙江大学", ["浙江大学"]),
    ("张三、李四\n王五", ["张三", "李四", "王五"]),
    ("张三，李四", ["张三", "李四"]),
    ("University of Florida Research Foundation, Inc.", ["University of Florida Research Foundation, Inc."]),
    ("SMITH, JOHN; DOE, JANE", ["SMITH, JOHN", "DOE, JANE"]),
    ("", []),
    (None, []),
    (" ; ;", []),
])
def test_split_names(cell, names):
    assert split_names(cell) == names


@pytest.mark.parametrize(("raw", "shown"), [
    ("浙江大学（ZHEJIANG UNIVERSITY）", "浙江大学"),
    ("浙江大学(ZHEJIANG UNIVERSITY)", "浙江大学"),
    ("浙江大学 ZHEJIANG UNIVERSITY", "浙江大学"),
    ("浙江大學", "浙江大学"),
    ("华为技术(上海)有限公司", "华为技术（上海）有限公司"),
    (" 浙 江 大 学 ", "浙江大学"),
    ("ＺＨＥＪＩＡＮＧ  University", "ZHEJIANG University"),
    ("The Regents of the University of California", "The Regents of the University of California"),
])
def test_display_name(raw, shown):
    assert display_name(raw) == shown


SAME = [
    ("浙江大学", "浙江大学（ZHEJIANG UNIVERSITY）"),
    ("浙江大学", "浙江大學"),
    ("浙江大学", "浙江大学计算机科学与技术学院"),  # a 学院 of the university is not a legal person
    ("浙江大学", "浙江大学化学系"),
    ("浙江大学", "浙江大学生物医学工程与仪器科学学院"),
    ("清华大学", "清华大学材料学院"),
    ("中国科学院大连化学物理研究所", "中科院大连化学物理研究所"),
    ("The Regents of the University of California", "Regents of the University of California"),
    ("The Regents of the University of California", "UNVIVERSITY OF CALIFORNIA"),
    ("The Regents of the University of California", "The Regents of the University of Calif."),
    ("University of Florida Research Foundation, Inc.", "UNIV OF FLORIDA RESARCH FOUND INC"),
    ("Johns Hopkins University", "Johns Hopkins Univ."),
    ("The General Hospital Corporation", "GEN HOSPTIAL CORP"),
    ("Universal Instruments Corporation", "UNIVERSAL INSTR INC".replace("INSTR", "INSTRUMENTS")),
    ("The United States of America as represented by the United States Department of Energy",
     "The United States of America as represented by the Secretary of Energy"),
    ("Massachusetts Institute of Technology", "MASSACHUSETTS INST TECH"),
    ("Board of Trustees of Michigan State University", "Michigan State University"),
    ("Oregon Health Sciences University", "Oregon Health & Science University"),
]

DIFFERENT = [
    ("浙江大学", "浙江大学城市学院"),  # independent college: separate legal person
    ("浙江大学", "浙江大学医学院附属第一医院"),  # affiliated hospital
    ("清华大学", "清华大学深圳研究院"),
    ("浙江大学", "浙江工业大学"),
    ("中国科学院", "中国科学院大连化学物理研究所"),  # every CAS institute is a legal person
    ("中国科学院大连化学物理研究所", "中国科学院上海有机化学研究所"),
    ("Washington University", "University of Washington"),
    ("University of Florida", "University of Florida Research Foundation, Inc."),
    ("Michigan State University", "University of Michigan"),
    ("University of North Carolina at Chapel Hill", "University of North Carolina at Charlotte"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_variants_of_one_legal_person_share_a_key(a, b):
    assert party_key(a) == party_key(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_separate_legal_persons_keep_separate_keys(a, b):
    assert party_key(a) != party_key(b)


def test_empty_name_has_empty_key():
    assert party_key("  ") == ""
    assert party_key(None) == ""


@pytest.mark.parametrize(("raw", "institution", "department"), [
    ("浙江大学计算机科学与技术学院", "浙江大学", "计算机科学与技术学院"),
    ("浙江大学（ZHEJIANG UNIVERSITY）", "浙江大学", None),
    ("浙江大学城市学院", "浙江大学城市学院", None),
    ("清华大学化学系", "清华大学", "化学系"),
    ("中国科学院大连化学物理研究所", "中国科学院大连化学物理研究所", None),
    ("浙江大学出版社有限责任公司", "浙江大学出版社有限责任公司", None),
])
def test_split_department(raw, institution, department):
    assert split_department(raw) == (institution, department)


@pytest.mark.parametrize(("name", "kind"), [
    ("浙江大学", PartyKind.UNIVERSITY),
    ("浙江大学城市学院", PartyKind.UNIVERSITY),
    ("金华职业技术学院", PartyKind.UNIVERSITY),
    ("中国科学院大学", PartyKind.UNIVERSITY),
    ("中国科学院大连化学物理研究所", PartyKind.INSTITUTE),
    ("中科大数据研究院", PartyKind.INSTITUTE),
    ("浙江省农业科学院", PartyKind.INSTITUTE),
    ("浙江大学医学院附属第一医院", PartyKind.HOSPITAL),
    ("北京协和医院", PartyKind.HOSPITAL),
    ("华为技术有限公司", PartyKind.ENTERPRISE),
    ("伊莱利利公司", PartyKind.ENTERPRISE),
    ("浙江大学出版社有限责任公司", PartyKind.ENTERPRISE),
    ("国家电网公司", PartyKind.ENTERPRISE),
    ("杭州市市场监督管理局", PartyKind.GOVERNMENT),
    ("中国汽车工程学会", PartyKind.GOVERNMENT),
    ("刘迪", PartyKind.INDIVIDUAL),
    ("欧阳娜娜", PartyKind.INDIVIDUAL),
    ("Y·A·蔡", PartyKind.INDIVIDUAL),
    ("The Regents of the University of California", PartyKind.UNIVERSITY),
    ("UNVIVERSITY OF CALIFORNIA", PartyKind.UNIVERSITY),
    ("University of Florida Research Foundation, Inc.", PartyKind.UNIVERSITY),
    ("Massachusetts Institute of Technology", PartyKind.INSTITUTE),
    ("Fraunhofer-Gesellschaft zur Förderung der angewandten Forschung e.V.", PartyKind.INSTITUTE),
    ("The General Hospital Corporation", PartyKind.HOSPITAL),
    ("Eli Lilly and Company", PartyKind.ENTERPRISE),
    ("Siemens AG", PartyKind.ENTERPRISE),
    ("The United States of America as represented by the Secretary of Energy", PartyKind.GOVERNMENT),
    ("SMITH, JOHN", PartyKind.INDIVIDUAL),
    ("John A. Smith", PartyKind.INDIVIDUAL),
    ("", PartyKind.UNKNOWN),
])
def test_classify_kind(name, kind):
    assert classify_kind(name) == kind
