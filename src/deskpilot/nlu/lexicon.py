"""Per-language phrase lists for signals a classifier should never miss.

Asking for a person, hardship and anger must be caught in any language and at any
point in a flow, so they are matched as folded phrases in addition to the intent
classifier. Short answers (yes, no, "the second one") and slot values with a closed set
of answers (dispute reason, lost or stolen, statement or receipt...) are matched here too.

The lists live in ``data/lexicon/<language>.yaml``, one file per language. A message is
matched against the lists of the languages in scope (the conversation's language and the
message's detected language) and English, which customers everywhere mix in
("ok", "agent"). Phrases are whole words, except in scripts written without spaces
(Chinese, Japanese, Thai), where they are substrings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from deskpilot.nlu.text import UNSPACED
from deskpilot.nlu.text import fold as fold
from deskpilot.nlu.text import normalize as normalize
from deskpilot.nlu.text import word_count as word_count

LEXICON_DIR = Path(__file__).parent / "data" / "lexicon"
LISTS = (
    "human",
    "cancel",
    "hardship",
    "anger",
    "insist",
    "replacement",
    "policy_question",
    "goodbye",
    "yes",
    "no",
    "correction",
    "conjunctions",
)
ORDINAL_NUMBERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
SIMULATED = ("yes", "no", "no_thanks", "dont_know")


class _Loader(yaml.SafeLoader):
    """YAML without the 1.1 booleans, so `yes:` and `no` stay words."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One language's phrase lists."""

    language: str
    lists: dict[str, tuple[str, ...]]
    ordinals: dict[str, tuple[str, ...]]
    stop_words: frozenset[str]
    enums: dict[str, dict[str, tuple[str, ...]]]
    simulated_customer: dict[str, str]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise ValueError(f"{where} must be a list of phrases")
    return tuple(str(v) for v in value if str(v).strip())


def _parse(path: Path) -> Lexicon:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a mapping")
    lang = str(data.get("language", path.stem))
    lists = {k: _strings(data.get(k, []), f"{path.name}:{k}") for k in LISTS}
    ordinals = {
        str(k): _strings(v, f"{path.name}:ordinals.{k}")
        for k, v in (data.get("ordinals") or {}).items()
    }
    enums = {
        str(enum): {
            str(value): _strings(p, f"{path.name}:enums.{enum}.{value}")
            for value, p in (values or {}).items()
        }
        for enum, values in (data.get("enums") or {}).items()
    }
    stop = frozenset(fold(" ".join(_strings(data.get("stop_words") or [], "stop_words"))).split())
    simulated = {str(k): str(v) for k, v in (data.get("simulated_customer") or {}).items()}
    return Lexicon(lang, lists, ordinals, stop, enums, simulated)


@cache
def lexicons(directory: Path = LEXICON_DIR) -> dict[str, Lexicon]:
    """language -> Lexicon for every ``*.yaml`` in ``directory`` (English is required)."""
    out = {p.stem: _parse(p) for p in sorted(directory.glob("*.yaml"))}
    if "en" not in out:
        raise FileNotFoundError(f"no en.yaml in {directory}")
    return out


def languages() -> tuple[str, ...]:
    return tuple(lexicons())


# Closed-set slots and their values, in the order they are tried (English file's order).
ENUMS: dict[str, tuple[str, ...]] = {
    enum: tuple(values) for enum, values in lexicons()["en"].enums.items()
}


@cache
def _scope(langs: tuple[str, ...], english: bool = True) -> tuple[Lexicon, ...]:
    known = lexicons()
    order = dict.fromkeys((*langs, "en") if english else langs)
    return tuple(known[lang] for lang in order if lang in known)


def phrases(kind: str, langs: Iterable[str], english: bool = True) -> tuple[str, ...]:
    """The phrases of one list (``human``, ``yes``...) in the languages in scope and, unless
    ``english`` is false, English."""
    return tuple(p for lex in _scope(tuple(langs), english) for p in lex.lists[kind])


def _alternative(phrase: str, prefix: bool) -> str:
    f = re.escape(fold(phrase))
    if UNSPACED.search(phrase):
        return f
    if prefix and " " not in phrase and len(phrase) >= 5:
        return rf"(?<![\w]){f}\w*"
    return rf"(?<![\w]){f}(?![\w])"


@cache
def _pattern(phrases: tuple[str, ...], prefix: bool = False) -> re.Pattern[str]:
    alts = [_alternative(p, prefix) for p in sorted(set(phrases), key=len, reverse=True)]
    return re.compile("|".join(alts) if alts else r"(?!x)x")


def contains(text: str, kind: str, langs: Iterable[str], english: bool = True) -> bool:
    """Whether any phrase of a list occurs in the text (folded; whole words)."""
    return bool(_pattern(phrases(kind, langs, english)).search(fold(text)))


def contains_any(text: str, candidates: Iterable[str]) -> bool:
    """Whether any of the given phrases occurs in the text (folded; whole words)."""
    return bool(_pattern(tuple(candidates)).search(fold(text)))


def is_short_answer(
    text: str, kind: str, langs: Iterable[str], max_words: int = 4, english: bool = True
) -> bool:
    """A short message that is (mostly) one of the phrases: 'yes', 'ja gerne', 'no thanks'."""
    folded = fold(text).strip(" .!?,。！？、")
    return word_count(folded) <= max_words and contains(folded, kind, langs, english)


def yes_or_no(text: str, langs: Iterable[str]) -> tuple[bool, bool]:
    """Whether a short answer says yes, no (both or neither when unclear). The customer's
    own language decides first: Polish 'no jasne' is a yes, whatever English says."""
    scope = tuple(langs)
    own = (is_short_answer(text, "yes", scope, english=False),
           is_short_answer(text, "no", scope, english=False))  # fmt: skip
    if own[0] != own[1]:
        return own
    return is_short_answer(text, "yes", scope), is_short_answer(text, "no", scope)


def cancel_phrases(langs: Iterable[str]) -> tuple[str, ...]:
    """Multi-word ways of dropping a request; safe to match inside longer messages."""
    return tuple(
        p for p in phrases("cancel", langs) if (" " in p or UNSPACED.search(p)) and p != "keep it"
    )


_EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+")


def enum_phrases(enum: str, value: str, langs: Iterable[str]) -> tuple[str, ...]:
    return tuple(p for lex in _scope(tuple(langs)) for p in lex.enums.get(enum, {}).get(value, ()))


def enum_value(text: str, enum: str, langs: Iterable[str]) -> str | None:
    """The value of a closed-set slot named in the text (the first listed value wins).
    Single words of 5+ letters also match as the start of a longer word ('telefon' in
    'telefonnumret')."""
    clean = _EMAIL_OR_URL.sub(" ", fold(text))
    scope = tuple(langs)
    for value in ENUMS[enum]:
        if _pattern(enum_phrases(enum, value, scope), True).search(clean):
            return value
    return None


def ordinal(text: str, count: int, langs: Iterable[str]) -> int | None:
    """1-based position named by an ordinal word ('the second one', 'den sista')."""
    folded = fold(text)
    if word_count(folded) > 5:
        return None
    for lex in _scope(tuple(langs)):
        for name, words in lex.ordinals.items():
            number = count if name == "last" else ORDINAL_NUMBERS.get(name)
            if number and number <= count and _pattern(words).search(folded):
                return number
    return None


def stop_words(language: str) -> frozenset[str]:
    known = lexicons()
    return known["en"].stop_words | (known[language].stop_words if language in known else set())


def simulated_customer(language: str, key: str) -> str:
    """What the scenario simulator types as a customer: 'yes please', 'nej tack'..."""
    lex = lexicons().get(language) or lexicons()["en"]
    return lex.simulated_customer.get(key) or lexicons()["en"].simulated_customer[key]


@cache
def split_pattern(langs: tuple[str, ...]) -> re.Pattern[str]:
    """Where one message may hold two requests: sentence ends and joining words."""
    words = phrases("conjunctions", langs)
    joins = sorted({*words, *(fold(p) for p in words)}, key=len, reverse=True)
    alts = "|".join(re.escape(j) for j in joins)
    return re.compile(rf"(?:[.!?;]\s+|[。！？]\s*|\s+(?:{alts})\s+)", re.IGNORECASE)


@cache
def correction_pattern(langs: tuple[str, ...]) -> re.Pattern[str]:
    """Words that start a correction: 'no', 'actually', 'I meant'."""
    return _pattern(phrases("correction", langs))
