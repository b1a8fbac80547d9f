"""Dates and years as provinces write them.

A date cell may be a real date, a bare serial number (days since 1899-12-30, or since 1904-01-01 in
workbooks saved with the 1904 date system of old Mac Excel), or text: "21/5/2012" (always day first,
as Vietnamese write it), "05/2023", "tháng 5/2023", "Quý II/2024", "Q2/2024", "năm 2023", "ngày 21
tháng 5 năm 2012", ISO "2012-05-21". Each is read as the first day of the period it names, with its
precision, so a month or a quarter is never passed off as a day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .text import fold

EPOCH_1900 = date(1899, 12, 30)  # Excel's day 0 (1900 system, after its 1900-02-29 bug)
EPOCH_1904 = date(1904, 1, 1)
FIRST_YEAR, LAST_YEAR = 1900, 2100  # years a register can mean (a craft facility may date from 1930)
FIRST_SERIAL_YEAR = 1950  # a bare number read as a serial must land after this: 3 is not 1900-01-02
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


class NotADate(ValueError):
    """A cell that should hold a date or a year and does not."""


@dataclass(frozen=True)
class Period:
    start: date
    precision: str  # day | month | quarter | year

    @property
    def year(self) -> int:
        return self.start.year


def _check(year: int, month: int = 1, day: int = 1, precision: str = "day", text: object = "") -> Period:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotADate(f"'{text}' is not a date between {FIRST_YEAR} and {LAST_YEAR}")
    try:
        return Period(date(year, month, day), precision)
    except ValueError as exc:
        raise NotADate(f"'{text}' is not a valid date ({exc})") from exc


def from_serial(serial: float, date1904: bool = False) -> date:
    return (EPOCH_1904 if date1904 else EPOCH_1900) + timedelta(days=int(serial))


# Patterns over folded text ("Quý II/2024" → "quy ii 2024"), after dropping "ngày", "tháng", "năm".
_DMY = re.compile(r"^(\d{1,2}) (\d{1,2}) (\d{4})$")
_YMD = re.compile(r"^(\d{4}) (\d{1,2}) (\d{1,2})(?: \d{1,2}){0,4}$")  # ISO, maybe with a time
_QY = re.compile(r"^(?:quy|q) ?([1-4]|iv|i{1,3}) (\d{4})$")
_MY = re.compile(r"^t? ?(\d{1,2}) (\d{4})$")
_Y = re.compile(r"^(\d{4})$")


def to_period(value: object, date1904: bool = False) -> Period | None:
    """A cell as the period it names; None when blank; NotADate when it names none."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _check(value.year, value.month, value.day, "day", value)
    if isinstance(value, date):
        return _check(value.year, value.month, value.day, "day", value)
    if isinstance(value, bool):
        raise NotADate(f"'{value}' is not a date")
    if isinstance(value, (int, float)):
        if value == int(value) and FIRST_YEAR <= value <= LAST_YEAR:
            return _check(int(value), precision="year", text=value)
        if value > 0:
            day = from_serial(value, date1904)
            if day.year >= FIRST_SERIAL_YEAR:
                return _check(day.year, day.month, day.day, "day", value)
        raise NotADate(f"'{value}' is not a date")
    text = str(value).strip()
    if not text or text in {"-", "—", "–", "x"}:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return to_period(float(text), date1904)
    key = " ".join(re.sub(r"\b(ngay|thang|nam)\b", " ", fold(text)).split())
    for pattern, build in (
        (_DMY, lambda m: _check(int(m[3]), int(m[2]), int(m[1]), "day", text)),
        (_YMD, lambda m: _check(int(m[1]), int(m[2]), int(m[3]), "day", text)),
        (_QY, lambda m: _check(int(m[2]), 3 * (_quarter(m[1]) - 1) + 1, 1, "quarter", text)),
        (_MY, lambda m: _check(int(m[2]), int(m[1]), 1, "month", text)),
        (_Y, lambda m: _check(int(m[1]), precision="year", text=text)),
    ):
        match = pattern.match(key)
        if match:
            return build(match)
    raise NotADate(f"'{text}' is not a date, a month, a quarter or a year")


def _quarter(token: str) -> int:
    return int(token) if token.isdigit() else _ROMAN[token]
