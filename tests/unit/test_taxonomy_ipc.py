"""IPC symbol parsing, normalisation, hierarchy and edition moves (pure)."""

import pytest

from panhuo.taxonomy import editions, ipc


@pytest.mark.parametrize(
    "raw, compact, display, wipo14, level",
    [
        ("H01M 10/0525", "H01M10/0525", "H01M 10/0525", "H01M0010052500", "subgroup"),
        ("H01M10/0525", "H01M10/0525", "H01M 10/0525", "H01M0010052500", "subgroup"),
        ("H01M0010052500", "H01M10/0525", "H01M 10/0525", "H01M0010052500", "subgroup"),
        ("h01m 10/0525 (2010.01)", "H01M10/0525", "H01M 10/0525", "H01M0010052500", "subgroup"),
        ("Ｈ０１Ｍ１０／０５２５", "H01M10/0525", "H01M 10/0525", "H01M0010052500", "subgroup"),
        ("A01B0001020000", "A01B1/02", "A01B 1/02", "A01B0001020000", "subgroup"),
        ("H01M 10/00", "H01M10/00", "H01M 10/00", "H01M0010000000", "main_group"),
        ("G05B19", "G05B19/00", "G05B 19/00", "G05B0019000000", "main_group"),
        ("H04N 5", "H04N5/00", "H04N 5/00", "H04N0005000000", "main_group"),
        ("G06F 16/953", "G06F16/953", "G06F 16/953", "G06F0016953000", "subgroup"),
        ("H01M", "H01M", "H01M", "H01M", "subclass"),
        ("h01", "H01", "H01", "H01", "class"),
        ("H", "H", "H", "H", "section"),
    ],
)
def test_every_spelling_normalises_to_one_symbol(raw, compact, display, wipo14, level):
    code = ipc.parse(raw)
    assert (code.compact, code.display, code.wipo14, code.level) == (compact, display, wipo14, level)


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "empty"),
        ("X01B", "sections are A–H"),
        ("H1M", "not an IPC symbol"),
        ("H01M0/00", "main group 0"),
        ("H01M10/", "not an IPC symbol"),
        ("HM", "two-digit class"),
    ],
)
def test_bad_symbols_are_rejected_with_the_reason(raw, message):
    with pytest.raises(ipc.IpcError, match=message):
        ipc.parse(raw)


def test_ancestors_walk_subgroup_main_group_subclass_class_section():
    chain = [a.compact for a in ipc.parse("H01M 10/0525").ancestors()]
    assert chain == ["H01M10/0525", "H01M10/00", "H01M", "H01", "H"]


def test_parse_many_keeps_good_symbols_and_reports_bad_ones():
    codes, errors = ipc.parse_many("H01M10/0525; H01M 10/0525、G06F16/00, bogus|A61K36/00")
    assert [c.compact for c in codes] == ["H01M10/0525", "G06F16/00", "A61K36/00"]
    assert len(errors) == 1 and "bogus" in errors[0]


@pytest.mark.parametrize(
    "code, subclass",
    [("H01L 31/04", "H10F"), ("H01L 33/00", "H10H"), ("H01L 51/50", "H10K"), ("H01L 21/02", "H10P"),
     ("G06K 9/62", "G06V"), ("G06K 7/10", "G06K"), ("H01M 10/0525", "H01M")],
)
def test_edition_moves_point_old_symbols_at_their_current_subclass(code, subclass):
    assert editions.current_subclass(code) == subclass


def test_subclass_of_is_none_above_subclass_level():
    assert ipc.subclass_of("H01") is None
    assert ipc.subclass_of("H01M0010052500") == "H01M"
