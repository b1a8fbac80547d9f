"""Vietnamese typed in the 8-bit font encodings of the 1990s–2000s, back to Unicode.

Before Unicode, Vietnamese Windows users typed with fonts that reuse Latin-1 code points: TCVN3
(ABC; fonts .VnTime, .VnArial) gives one byte per accented letter ("Sãc Tr¨ng" = Sóc Trăng),
VNI-Windows gives a base letter followed by a mark byte ("Soùc Traêng"). Spreadsheets keep those
code points, so the text arrives as Latin-1 lookalikes. Which encoding a sheet uses is decided from
its text: every candidate reading is scored by the share of its words that are well-formed
Vietnamese syllables, and the sheet is converted only when a legacy reading is clearly better than
the text as it is. A cell holding any character beyond Latin-1 is already Unicode and is left alone.

The TCVN3 table is the upper half (0xA1–0xFF) of TCVN 5712:1993, as glibc's iconv `TCVN5712-1`
maps it (combining marks 0xB0–0xB4 left out). VNI marks follow the VNI-Windows keyboard tables.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from itertools import islice

TCVN3 = "tcvn3"
VNI = "vni"
ENCODING_NAMES = {TCVN3: "TCVN3 (ABC, .VnTime fonts)", VNI: "VNI-Windows"}

_TCVN3_TABLE = str.maketrans(
    "¡¢£¤¥¦§¨©ª«¬\xad®¯µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ",
    "ĂÂÊÔƠƯĐăâêôơưđẰàảãáạẲằẳẵắẴẮẦẨẪẤỀặầẩẫấậèỂẻẽéẹềểễếệìỉỄẾỒĩíịòỔỏõóọồổỗốộờởỡớợùỖủũúụừửữứựỳỷỹýỵỐ",
)

# VNI-Windows: a mark byte after a vowel (combining marks, shape before tone so NFC composes).
_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
_CIRC, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
_VNI_MARKS = {
    "ø": _GRAVE,
    "ù": _ACUTE,
    "û": _HOOK,
    "õ": _TILDE,
    "ï": _DOT,
    "â": _CIRC,
    "à": _CIRC + _GRAVE,
    "á": _CIRC + _ACUTE,
    "å": _CIRC + _HOOK,
    "ã": _CIRC + _TILDE,
    "ä": _CIRC + _DOT,
    "ê": _BREVE,
    "è": _BREVE + _GRAVE,
    "é": _BREVE + _ACUTE,
    "ú": _BREVE + _HOOK,
    "ü": _BREVE + _TILDE,
    "ë": _BREVE + _DOT,
}
_VNI_MARKS.update({k.upper(): v for k, v in list(_VNI_MARKS.items())})
# VNI letters that stand alone (no base letter before them).
_VNI_LETTERS = {"ô": "ơ", "ö": "ư", "ñ": "đ", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}
_VNI_LETTERS.update({k.upper(): v.upper() for k, v in list(_VNI_LETTERS.items())})
_VNI_VOWELS = "aeiouyAEIOUYơưƠƯ"
_VNI_PAIR = re.compile(f"([{_VNI_VOWELS}])([{''.join(_VNI_MARKS)}])")


def decode_tcvn3(text: str) -> str:
    """TCVN3 text to Unicode NFC; words typed in capitals come back in capitals.

    TCVN3 has capitals only for Ă Â Ê Ô Ơ Ư Đ: a capital with a tone is typed with the small letter's
    code and shown capital by an upper-case font (.VnTimeH). So "SãC TR¡NG" is "SÓC TRĂNG": a word
    whose plain letters are all capitals is made capital throughout.
    """
    converted = text.translate(_TCVN3_TABLE)
    return _recapitalise(text, unicodedata.normalize("NFC", converted))


def decode_vni(text: str) -> str:
    """VNI-Windows text to Unicode NFC."""
    step = "".join(_VNI_LETTERS.get(ch, ch) for ch in text)
    step = _VNI_PAIR.sub(lambda m: m.group(1) + _VNI_MARKS[m.group(2)], step)
    return unicodedata.normalize("NFC", step)


_DECODERS = {TCVN3: decode_tcvn3, VNI: decode_vni}


def decode(text: str, encoding: str) -> str:
    return _DECODERS[encoding](text)


def _recapitalise(original: str, converted: str) -> str:
    if len(original) != len(converted):  # the table maps one character to one: spans line up
        return converted
    letters = [ch for ch in original if ch.isascii() and ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return converted.upper()  # a line typed in capitals ("DANH MôC §Ò ¸N")
    out, last = [], 0
    for match in re.finditer(r"[^\W\d_]+", converted):
        word = original[match.start() : match.end()]
        plain = [ch for ch in word if ch.isascii()]
        typed_legacy = len(word) - len(plain)
        out.append(converted[last : match.start()])
        # two or more plain capitals and no small letter: a capital word ("TØNH", "SãC"); "Hç" stays "Hỗ"
        if typed_legacy and len(plain) >= 2 and all(ch.isupper() for ch in plain):
            out.append(match.group().upper())
        else:
            out.append(match.group())
        last = match.end()
    out.append(converted[last:])
    return "".join(out)


# --- which reading is Vietnamese ------------------------------------------------------------------
_ONSET = "(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x)?"
_NUCLEI = sorted(
    """a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ uê ui uô
uơ uy ưa ưi ưu ươ yê iêu yêu oai oay oeo uây uôi ươi ươu uyê uya uyu oao""".split(),
    key=len,
    reverse=True,
)
_CODA = "(ch|ng|nh|c|m|n|p|t)?"
_SYLLABLE = re.compile(f"^{_ONSET}({'|'.join(_NUCLEI)}){_CODA}$")
_TONE_MARKS = {_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT}
_WORD = re.compile(r"[^\W\d_]+")


def is_syllable(word: str) -> bool:
    """A well-formed Vietnamese syllable: onset, vowel nucleus, final, and at most one tone."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for ch in decomposed if ch in _TONE_MARKS)
    if tones > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    return bool(_SYLLABLE.match(bare))


def vietnamese_score(texts: list[str]) -> tuple[float, int]:
    """(share of accented words that are Vietnamese syllables, number of accented words)."""
    good = total = 0
    for text in texts:
        for word in _WORD.findall(text):
            if word.isascii():
                continue
            total += 1
            good += is_syllable(word)
    return (good / total if total else 0.0), total


_LATIN1_UPPER = re.compile("[\u00a1-\u00ff]")


def _legacy_candidate(text: str) -> bool:
    """Text that could be legacy: some Latin-1 letters/symbols and nothing beyond Latin-1."""
    # plain ASCII, or any character beyond Latin-1 (most Unicode Vietnamese), is told without a pattern
    if text.isascii() or max(text) > "\u00ff":
        return False
    return _LATIN1_UPPER.search(text) is not None


DETECTION_SAMPLE = 600  # distinct candidate texts scored
DETECTION_SCAN = 20_000  # text cells looked at, from the top of the sheet


def detect(texts: Iterable[str]) -> str | None:
    """TCVN3, VNI or None (Unicode, or nothing to tell) for the texts of one sheet."""
    # A sheet's encoding shows in a few hundred of its distinct texts; a 20,000-row census need not
    # be scored whole (tests/test_formats_and_text.py covers detection on real-size sheets).
    candidates: dict[str, None] = {}
    for text in islice(texts, DETECTION_SCAN):
        if text not in candidates and _legacy_candidate(text):
            candidates[text] = None
            if len(candidates) >= DETECTION_SAMPLE:
                break
    candidates = list(candidates)
    if not candidates:
        return None
    as_is, count = vietnamese_score(candidates)
    best, best_score = None, as_is
    for encoding, decoder in _DECODERS.items():
        score, _ = vietnamese_score([decoder(t) for t in candidates])
        if score > best_score + 0.2 and score >= 0.6:
            best, best_score = encoding, score
    return best if count else None


def convertible(value) -> bool:
    """A cell a legacy decoder may change (text within Latin-1 with some non-ASCII)."""
    return isinstance(value, str) and _legacy_candidate(value)
