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


def _mark_ranges() -> str:
    """Every combining mark of the Basic Multilingual Plane as a regex character class body."""
    out: list[str] = []
    start = prev = -2
    for i in range(0x10000):
        if unicodedata.category(chr(i)).startswith("M"):
            if i != prev + 1:
                if start >= 0:
                    out.append(f"\\u{start:04x}-\\u{prev:04x}")
                start = i
            prev = i
    out.append(f"\\u{start:04x}-\\u{prev:04x}")
    return "".join(out)


# A word is letters and digits together with the marks written on them: Devanagari vowel
# signs and Thai tone marks are not `\w`, so the default pattern cut 'रिफंड' into pieces.
_MARKS = _mark_ranges()
_WORD = re.compile(rf"(?:\w|[{_MARKS}])+")
_UNSPACED_RUN = re.compile(rf"{UNSPACED.pattern}+")
HANGUL = re.compile(r"[\uac00-\ud7a3]")  # Korean syllables
_HANGUL_WORD = re.compile(rf"{HANGUL.pattern}{{3,6}}$")  # longer: words typed without spaces
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CLUSTER = re.compile(rf".[{_MARKS}]*")  # a letter with the marks written on it


def words(text: str) -> list[str]:
    """The word tokens of folded text: whole words in spaced scripts; in runs of Han, kana
    and Thai, which are written without spaces, overlapping pairs of letters (a letter with
    its marks counts as one), and single Han characters, which carry meaning on their own,
    so '我的退款' gives '我的 的退 退款 我 的 退 款' rather than one long token; Korean
    words of three to six syllables also give their first two ('환불은' -> '환불')."""
    out: list[str] = []
    for token in _WORD.findall(text):
        start = 0
        for run in _UNSPACED_RUN.finditer(token):
            if run.start() > start:
                out.append(token[start : run.start()])
            chars = _CLUSTER.findall(run.group())
            out.extend("".join(chars[i : i + 2]) for i in range(max(1, len(chars) - 1)))
            out.extend(c for c in chars if len(chars) > 1 and _HAN.match(c))  # 退, 卡, 钱
            start = run.end()
        if start < len(token):
            out.append(token[start:])
    # Korean words carry their particles and endings ('배송이', '배송은', '배송을'); most
    # nouns are two syllables, so a longer word's first two stand for its stem.
    out.extend(t[:2] for t in out if _HANGUL_WORD.match(t))
    return [t for t in out if len(t) > 1 or UNSPACED.match(t)]


_LETTER = re.compile(r"[^\W\d_]")


def word_count(text: str) -> int:
    """How many words a message has. Numbers do not count; in unspaced scripts a word is
    taken as about two Han characters or three kana or Thai letters (with their marks), so
    'キャンセルしたいです' counts 3 and 'ไม่ต้องการแล้วครับ' 5, as a reader would count."""
    n = 0
    for token in _WORD.findall(text):
        if not _LETTER.search(token):
            continue
        runs = _UNSPACED_RUN.findall(token)
        if not runs:
            n += 1
            continue
        n += len([t for t in _UNSPACED_RUN.split(token) if _LETTER.search(t)])
        for run in runs:
            clusters = _CLUSTER.findall(run)
            han = sum(1 for c in clusters if _HAN.match(c))
            n += max(1, round(han / 2 + (len(clusters) - han) / 3))
    return n
