"""Text normalisation shared by every matcher.

Provinces type the same words in many ways: NFC or NFD, old or new tone placement, upper case, no
diacritics at all, line breaks inside header cells. Everything that *matches* text goes through
`fold`, so those variants compare equal; everything that is *stored* goes through `clean`, which
keeps the diacritics but normalises to NFC.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Registers repeat the same few hundred communes, types and products thousands of times: every
# function here is pure, so each distinct value is worked out once per reader process.
# typed: 1, 1.0 and True are equal as keys but not as cells (clean(1.0) is "1.0", clean(True) "True")
_memo = lru_cache(maxsize=1 << 16, typed=True)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@_memo
def clean(value: object) -> str | None:
    """Cell value as stored text: NFC, single spaces, stripped; None for blanks."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    # str.split() splits at the same whitespace as the pattern \s (str.isspace), without a regex
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return text or None


@_memo
def fold(value: object) -> str:
    """Matching key: no diacritics, lower case, đ→d, punctuation as single spaces.

    Stripping the combining marks also makes old and new tone placement (hóa/hoá) identical.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).translate(_BASE_LETTER).lower()
    return _NON_ALNUM.sub(" ", text).strip()


def _base_letters() -> dict[int, str | None]:
    """Each precomposed Latin letter → its letter without marks (ệ → e, Đ → D); stray marks → nothing.

    The same result as decomposing (NFD) and dropping the combining marks, in one `str.translate`."""
    table: dict[int, str | None] = {ord("đ"): "d", ord("Đ"): "D"}
    for cp in range(0x80, 0x2000):
        ch = chr(cp)
        if unicodedata.combining(ch):
            table[cp] = None
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base != ch:
            table[cp] = base
    return table


_BASE_LETTER = _base_letters()


def compact(value: object) -> str:
    """`fold` without spaces: 'Sóc  Trăng' → 'soctrang' (the key style of vietnamadminunits)."""
    return fold(value).replace(" ", "")


def contains_phrase(haystack_folded: str, phrase_folded: str) -> bool:
    """Whole-word containment on folded text ('soc trang' in 'ubnd tinh soc trang')."""
    if not phrase_folded:
        return False
    return f" {phrase_folded} " in f" {haystack_folded} "


# The five Vietnamese tone marks (huyền, sắc, hỏi, ngã, nặng) as combining characters. Every other
# mark (breve, circumflex, horn) is part of the letter and must survive: "Hà" is not "Hạ".
_TONES = {"\u0300": "2", "\u0301": "1", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_WORD = re.compile(r"[^\W_]+")


@_memo
def name_key(value: object) -> str:
    """Matching key for a proper name that keeps the letters but not their accidents.

    NFC, case, spacing and punctuation are ignored, and the tone mark is moved off its vowel to the
    end of the syllable, so "Hoà"/"Hòa", "THỦY"/"thuỷ" and NFD input give one key, while names that
    differ in a letter or a tone ("Hà"/"Hạ", "Tân"/"Tấn") stay apart.
    """
    if value is None:
        return ""
    return " ".join(map(_syllable_key, _WORD.findall(unicodedata.normalize("NFC", str(value)).lower())))


@_memo
def _syllable_key(word: str) -> str:
    """One lower-case word of `name_key`: its letters without the tone, then the tone's digit. Names
    share their syllables ("cơ sở", "hợp tác xã", surnames), so each is worked out once."""
    letters = word.translate(_UNTONED)
    if letters == word:  # no tone mark
        return word
    return letters + "".join(_TONE_DIGIT[ch] for ch in word if ch in _TONE_DIGIT)


def _tone_tables() -> tuple[dict[int, str | None], dict[str, str]]:
    """Each letter carrying a tone → the letter without it (ệ → ê, keeping breve, circumflex and
    horn) and → the tone's digit; the five combining tone marks → nothing and → their digit."""
    untoned: dict[int, str | None] = {}
    digit: dict[str, str] = {}
    for mark, d in _TONES.items():
        untoned[ord(mark)], digit[mark] = None, d
    for cp in range(0xC0, 0x1F00):
        ch = chr(cp)
        marks = unicodedata.normalize("NFD", ch)
        tones = [m for m in marks if m in _TONES]
        if len(tones) == 1 and len(ch) == 1:
            untoned[cp] = unicodedata.normalize("NFC", "".join(m for m in marks if m not in _TONES))
            digit[ch] = _TONES[tones[0]]
    return untoned, digit


_UNTONED, _TONE_DIGIT = _tone_tables()


_PLACE_PREFIX = re.compile(r"^(xa|phuong|thi tran|tt|p|x|huyen|quan|thi xa|thanh pho|tx|tp|h|q)\s+")


@_memo
def place_key(value: object) -> str:
    """Key for a commune or district name: `name_key` without "Xã"/"Phường"/"Thị trấn"/"Huyện" in front."""
    key = name_key(value)
    folded = fold(value)
    match = _PLACE_PREFIX.match(folded)
    if match:
        # drop as many words from the key as the prefix had
        key = " ".join(key.split(" ")[len(match.group(1).split(" ")) :])
    return key
