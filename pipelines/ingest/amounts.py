"""Numbers as provinces write them, and money units.

A cell may be a real number or text in Vietnamese style ("20.253,331") or English style
("20,253.331"). Some texts are ambiguous on their own ("1.200" is 1200 in Vietnamese, 1.2 in
English), so the style is decided per column from the values that are not, and a column with only
ambiguous values falls back to the style decided for the rest of the sheet. Never guessed silently:
`NumberStyleUnknown` is raised and the row is rejected with that reason.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .text import fold

VI = "vi"  # '.' groups thousands, ',' is the decimal mark
EN = "en"  # ',' groups thousands, '.' is the decimal mark

NONE_MARKS = {"", "-", "--", "—", "–", "x", "X", "_", "0-", "k", "không"}
_FOOTNOTE = re.compile(r"[\*\u2020\u2021\(\)a-zA-Z%đĐ]+$")
_NUMBER_TEXT = re.compile(r"^[+-]?[\d.,]+$")

UNIT_SCALE = {"dong": 1, "nghin dong": 1_000, "trieu dong": 1_000_000, "ty dong": 1_000_000_000}
# Folded spellings → canonical unit. Order matters only for readability: matching is exact.
_UNIT_ALIASES = {
    "dong": "dong",
    "d": "dong",
    "vnd": "dong",
    "vnd dong": "dong",
    "nghin dong": "nghin dong",
    "ngan dong": "nghin dong",
    "1000d": "nghin dong",
    "1 000d": "nghin dong",
    "1 000 dong": "nghin dong",
    "1000 dong": "nghin dong",
    "nghin": "nghin dong",
    "ngd": "nghin dong",
    "trieu dong": "trieu dong",
    "tr d": "trieu dong",
    "tr dong": "trieu dong",
    "trd": "trieu dong",
    "trieu": "trieu dong",
    "tr": "trieu dong",
    "trieu vnd": "trieu dong",
    "ty dong": "ty dong",
    "ty": "ty dong",
    "ti dong": "ty dong",
    "ty vnd": "ty dong",
}


class NumberStyleUnknown(ValueError):
    """A number text whose style (Vietnamese or English) cannot be decided."""


class NotANumber(ValueError):
    """A cell that should hold a number and does not."""


def parse_unit(text: object) -> str | None:
    """'triệu đồng', 'Tr.đồng', 'ĐVT: trđ', '(1.000đ)' → canonical unit, or None."""
    key = fold(text)
    key = re.sub(r"^(don vi tinh|dvt|don vi)\s*", "", key).strip()
    if key in _UNIT_ALIASES:
        return _UNIT_ALIASES[key]
    return None


def text_style(text: str) -> str | None:
    """The style a number text proves on its own, or None when it could be either."""
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        return VI if text.rfind(",") > text.rfind(".") else EN
    if dots > 1:
        return VI
    if commas > 1:
        return EN
    mark = "." if dots else "," if commas else None
    if mark is None:
        return None
    frac = text.split(mark)[1]
    if len(frac) != 3:  # '1,5' or '1.25' can only be a decimal mark
        return VI if mark == "," else EN
    return None  # '1.200' / '1,200': a thousands group or three decimals


def strip_number_text(value: str) -> str | None:
    """Remove spaces, footnote marks and units; None for the marks that mean 'nothing'."""
    text = value.replace("\u00a0", "").replace(" ", "").strip()
    if text in NONE_MARKS:
        return None
    text = _FOOTNOTE.sub("", text)
    if not text or text in NONE_MARKS:
        return None
    return text


def decide_style(values) -> str | None:
    """Majority of the unambiguous texts in a column; None when there are none."""
    votes = {VI: 0, EN: 0}
    for v in values:
        if isinstance(v, str):
            t = strip_number_text(v)
            if t and _NUMBER_TEXT.match(t):
                s = text_style(t)
                if s:
                    votes[s] += 1
    if votes[VI] == votes[EN]:
        return None
    return VI if votes[VI] > votes[EN] else EN


def to_decimal(value: object, style: str | None) -> Decimal | None:
    """A cell as an exact Decimal, None when empty or marked as none."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(f"'{value}' is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr gives the shortest text that round-trips, so 20.253331 stays exactly that.
        return Decimal(repr(value))
    text = strip_number_text(str(value))
    if text is None:
        return None
    if not _NUMBER_TEXT.match(text):
        raise NotANumber(f"'{value}' is not a number")
    own = text_style(text)
    if own is None and ("." in text or "," in text):
        if style is None:
            raise NumberStyleUnknown(
                f"'{value}' could be Vietnamese or English style and nothing else in the column or sheet tells which"
            )
        own = style
    if own is not None and style is not None and own != style:
        raise NumberStyleUnknown(f"'{value}' is written in a different number style from the rest of its column")
    if own is not None and not _well_grouped(text, own):
        # "1.234.5" or "12,34,567": a thousands mark must be followed by exactly three digits. Read
        # by dropping the marks, "1.234.5" would become 12,345: a number nobody wrote.
        raise NotANumber(f"'{value}' is not a well-formed number (thousands must be grouped by three)")
    if own == VI:
        text = text.replace(".", "").replace(",", ".")
    elif own == EN:
        text = text.replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex above admits only digits and marks
        raise NotANumber(f"'{value}' is not a number") from exc


def _well_grouped(text: str, style: str) -> bool:
    """Thousands groups of three digits after the first group, one decimal mark at most."""
    group, decimal = (".", ",") if style == VI else (",", ".")
    if text.count(decimal) > 1:
        return False
    whole = text.lstrip("+-").split(decimal)[0]
    if group not in whole:
        return True
    head, *groups = whole.split(group)
    return 1 <= len(head) <= 3 and head.isdigit() and all(len(g) == 3 and g.isdigit() for g in groups)


def to_vnd(value: object, unit: str | None, style: str | None) -> int | None:
    """Money in whole đồng. The source unit's precision is kept exactly (no float arithmetic)."""
    amount = to_decimal(value, style)
    if amount is None:
        return None
    scaled = amount * UNIT_SCALE[unit or "dong"]
    return int(scaled.to_integral_value())


def to_count(value: object, style: str | None) -> int | None:
    """A count of people or projects: must be a whole number."""
    amount = to_decimal(value, style)
    if amount is None:
        return None
    if amount != amount.to_integral_value():
        raise NotANumber(f"'{value}' is not a whole number")
    return int(amount)
