"""Text normalisation shared by every matcher.

Provinces type the same words in many ways: NFC or NFD, old or new tone placement, upper case, no
diacritics at all, line breaks inside header cells. Everything that *matches* text goes through
`fold`, so those variants compare equal; everything that is *stored* goes through `clean`, which
keeps the diacritics but normalises to NFC.
"""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")


def clean(value: object) -> str | None:
    """Cell value as stored text: NFC, single spaces, stripped; None for blanks."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return text or None


def fold(value: object) -> str:
    """Matching key: no diacritics, lower case, đ→d, punctuation as single spaces.

    Stripping the combining marks also makes old and new tone placement (hóa/hoá) identical.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFD", str(value)).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub(" ", text).strip()


def compact(value: object) -> str:
    """`fold` without spaces: 'Sóc  Trăng' → 'soctrang' (the key style of vietnamadminunits)."""
    return fold(value).replace(" ", "")


def contains_phrase(haystack_folded: str, phrase_folded: str) -> bool:
    """Whole-word containment on folded text ('soc trang' in 'ubnd tinh soc trang')."""
    if not phrase_folded:
        return False
    return f" {phrase_folded} " in f" {haystack_folded} "
