from decimal import Decimal

import pytest

from pipelines.ingest.amounts import (
    EN,
    VI,
    NotANumber,
    NumberStyleUnknown,
    decide_style,
    parse_unit,
    text_style,
    to_count,
    to_decimal,
    to_vnd,
)


@pytest.mark.parametrize(
    "text, style",
    [
        ("20.253,331", VI),
        ("20,253.331", EN),
        ("1.234.567", VI),
        ("1,234,567", EN),
        ("1,5", VI),
        ("1.25", EN),
        ("1.200", None),
        ("1,200", None),
        ("1200", None),
    ],
)
def test_text_style_is_decided_only_when_unambiguous(text, style):
    assert text_style(text) == style


def test_published_figure_in_vietnamese_style_is_exact():
    # "ngân sách hỗ trợ 20.253,331 triệu đồng" (Sóc Trăng)
    assert to_vnd("20.253,331", "trieu dong", None) == 20_253_331_000


@pytest.mark.parametrize(
    "value, unit, style, expected",
    [
        ("20,253.331", "trieu dong", None, 20_253_331_000),
        (20.253331, "ty dong", None, 20_253_331_000),
        (1234.567, "trieu dong", None, 1_234_567_000),
        ("1.200*", "nghin dong", VI, 1_200_000),
        ("1 234 567 000", "dong", None, 1_234_567_000),
        ("3,2", "ty dong", None, 3_200_000_000),
        (1500, None, None, 1500),
    ],
)
def test_money_is_scaled_to_whole_dong(value, unit, style, expected):
    assert to_vnd(value, unit, style) == expected


@pytest.mark.parametrize("value", [None, "", "-", "—", "x", " - "])
def test_marks_for_nothing_are_none(value):
    assert to_decimal(value, None) is None


def test_ambiguous_text_without_a_column_style_is_refused_not_guessed():
    with pytest.raises(NumberStyleUnknown):
        to_decimal("1.200", None)
    assert to_decimal("1.200", VI) == Decimal(1200)
    assert to_decimal("1.200", EN) == Decimal("1.2")


def test_a_value_in_the_other_style_than_its_column_is_refused():
    with pytest.raises(NumberStyleUnknown):
        to_decimal("1,25", EN)


def test_text_that_is_not_a_number_is_refused():
    with pytest.raises(NotANumber):
        to_decimal("chưa có số liệu", VI)
    with pytest.raises(NotANumber):
        to_count("2,5", VI)


def test_column_style_is_the_majority_of_unambiguous_values():
    assert decide_style(["1.200", "20.253,331", "3,5", 12.0, None]) == VI
    assert decide_style(["1,200", "1,234,567", "3.25"]) == EN
    assert decide_style(["1.200", "1,500"]) is None


@pytest.mark.parametrize(
    "text, unit",
    [
        ("triệu đồng", "trieu dong"),
        ("Tr.đồng", "trieu dong"),
        ("trđ", "trieu dong"),
        ("tr.đ", "trieu dong"),
        ("ĐVT: triệu đồng", "trieu dong"),
        ("1.000đ", "nghin dong"),
        ("nghìn đồng", "nghin dong"),
        ("tỷ đồng", "ty dong"),
        ("đồng", "dong"),
        ("VNĐ", "dong"),
        ("người", None),
    ],
)
def test_units(text, unit):
    assert parse_unit(text) == unit
