"""Language identification for short chat messages, trained on our own data.

A general-purpose detector does not know that "mera refund kab aayega" is Hindi or
"wen el order taba3i" Arabic, and needs hundreds of megabytes for 35 languages. Ours is
the intent classifier's word and character n-gram model trained to tell the languages of
the training data apart (every file under ``nlu/data/train`` is one language, and holds
the scripts and spellings customers really use: diacritic-free, Latin-letter forms).

Very short messages ("ja", "ok", "DP-100123") say little about the language, so the
conversation only switches language when the message has a few words and the detector
is confident, or when it is written in another script altogether.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Protocol

from deskpilot.nlu.text import word_count as word_count

SWITCH_MIN_WORDS = 3
SWITCH_MIN_CONFIDENCE = 0.6
SCRIPT_SWITCH_CONFIDENCE = 0.4  # a message in another script than the conversation's
# The script each language is written in (Latin when not listed).
SCRIPTS: dict[str, str] = {
    "el": "GREEK",
    "bg": "CYRILLIC",
    "ru": "CYRILLIC",
    "uk": "CYRILLIC",
    "ar": "ARABIC",
    "fa": "ARABIC",
    "ur": "ARABIC",
    "hi": "DEVANAGARI",
    "zh": "CJK",
    "ja": "CJK",
    "ko": "HANGUL",
    "th": "THAI",
}

# Languages that look the same in Latin letters (Hindi and Urdu as typed on a phone):
# such a message is no reason to leave the conversation's language.
ROMANISED_ALIKE = {frozenset(("hi", "ur"))}


class LabelScorer(Protocol):
    def predict_one(self, text: str) -> tuple[str, float, list[tuple[str, float]]]: ...


@dataclass(frozen=True, slots=True)
class Detected:
    language: str
    confidence: float
    switched: bool


def script(text: str) -> str:
    """The main script of a text: LATIN, CYRILLIC, ARABIC, CJK, HANGUL..."""
    counts: dict[str, int] = {}
    for c in text:
        if not c.isalpha():
            continue
        name = unicodedata.name(c, "")
        if "CJK" in name or "HIRAGANA" in name or "KATAKANA" in name:
            key = "CJK"
        else:
            key = name.split(" ")[0] if name else "OTHER"
        counts[key] = counts.get(key, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "NONE"


class LanguageIdentifier:
    """Detects the language of a message among the languages the model was trained on."""

    def __init__(self, model: LabelScorer, languages: tuple[str, ...]) -> None:
        self.model = model
        self.languages = tuple(sorted(languages))

    def scores(self, text: str) -> list[tuple[str, float]]:
        """(language, confidence) for the best languages, best first."""
        if len(self.languages) == 1:
            return [(self.languages[0], 1.0)]
        best, conf, alternatives = self.model.predict_one(text)
        ranked = dict(alternatives)
        ranked[best] = conf
        return sorted(ranked.items(), key=lambda kv: -kv[1])

    def detect(self, text: str, current: str | None = None) -> Detected:
        """The message's language; stays with ``current`` unless the evidence is strong."""
        words = word_count(text)
        if not words:
            return Detected(current or self.languages[0], 0.0, False)
        best, conf = self.scores(text)[0]
        if current is None or current not in self.languages:
            return Detected(best, conf, current is not None and best != current)
        if best == current:
            return Detected(current, conf, False)
        written = script(text)
        if written == "LATIN" and frozenset((best, current)) in ROMANISED_ALIKE:
            return Detected(current, 0.0, False)
        other_script = written not in ("NONE", SCRIPTS.get(current, "LATIN"))
        if (words >= SWITCH_MIN_WORDS and conf >= SWITCH_MIN_CONFIDENCE) or (
            other_script and conf >= SCRIPT_SWITCH_CONFIDENCE
        ):
            return Detected(best, conf, True)
        return Detected(current, 0.0, False)
