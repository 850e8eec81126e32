"""Text normalisation shared by the classifier, the lexicons and the help centre."""

from __future__ import annotations

import re
import unicodedata

# Scripts written without spaces between words (Thai, kana, Han).
UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Arabic-Indic, Persian and Devanagari digits read as ASCII digits; Arabic letter variants
# as the Persian forms customers type interchangeably.
_LOCAL: dict[int, str] = {
    **{0x0660 + i: str(i) for i in range(10)},
    **{0x06F0 + i: str(i) for i in range(10)},
    **{0x0966 + i: str(i) for i in range(10)},
    **{ord(a): b for a, b in {"ي": "ی", "ى": "ی", "ك": "ک", "٫": ".", "٬": ","}.items()},
    0x0640: "",  # tatweel, the Arabic stretching stroke ("3943ـه")
}
_TRANSLATE = str.maketrans(_LOCAL)


def normalize(text: str) -> str:
    """Local digits as ASCII digits, Arabic letter variants unified, tatweel dropped."""
    return text.translate(_TRANSLATE)


def fold(text: str) -> str:
    """Lower-case, strip accents from Latin, Greek and Cyrillic letters, read local digits
    as ASCII and collapse spaces: 'Återbetalning!' -> 'aterbetalning!'. Marks that are
    part of other scripts (Devanagari vowel signs, Thai tones) are kept."""
    out: list[str] = []
    strip = False
    for c in unicodedata.normalize("NFKD", text.lower().translate(_TRANSLATE)):
        if unicodedata.combining(c):
            if strip:
                continue
        else:
            strip = ord(c) < 0x0530
        out.append(c)
    return " ".join(unicodedata.normalize("NFC", "".join(out)).split())
