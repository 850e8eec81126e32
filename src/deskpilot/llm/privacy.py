"""Personal data masking: what goes to a language model carries placeholders such as
``[CARD_1]`` instead of card numbers, IBANs, emails, phone numbers and addresses, and the
model's reply gets the real values back.

Text that already looks like a placeholder is itself masked (as ``[TEXT_n]``), so every
placeholder in masked text is one the mapping knows and ``restore(mask(x)) == x`` for any
text; a customer cannot type ``[CARD_1]`` to make a reply reveal someone's card.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import phonenumbers

# Detectors in priority order: where two findings overlap, the earlier kind wins.
KINDS = ("TEXT", "ADDRESS", "EMAIL", "IBAN", "CARD", "PHONE")
PLACEHOLDER = re.compile(r"\[(" + "|".join(KINDS) + r")_(\d+)\]")

_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# A run of digits with single spaces or dashes between groups (cards, and much else).
_DIGIT_RUN = re.compile(r"(?<![\w+])\d+(?:[ -]\d+)*(?!\w)")
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})(\d{2})")
_STREET = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][\w'.-]*\s+){1,3}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Way|Court|Ct|Place|"
    r"Square|Terrace|Close|Crescent|Gardens|Grove|Hill|Park|Row|Walk)\b"
    r"|\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm)"
    r"\s+\d{1,4}(?:\s?[a-z])?\b",
)

# IBAN length per country, from the SWIFT IBAN registry.
_IBAN_LENGTH = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Masked:
    """Masked text, and each placeholder's original value."""

    text: str
    mapping: dict[str, str] = field(default_factory=dict)

    def restore(self, text: str) -> str:
        """``text`` (e.g. the model's reply) with this mapping's placeholders put back."""
        return Masker.restore(text, self.mapping)


@dataclass(frozen=True, slots=True)
class _Finding:
    start: int
    end: int
    kind: str


class Masker:
    """Finds personal data in text and swaps it for numbered placeholders.

    ``known`` are values known to be the customer's (their address line, say); they are
    masked wherever they appear, ignoring case and spacing, and so are their
    comma-separated parts when those are specific enough ("12 High Street") and runs of
    words with digits in them, such as a postcode ("SW1A 1AA").
    ``region`` lets phone numbers written without a country code be recognised.
    """

    def __init__(self, known: Iterable[str] = (), *, region: str | None = None) -> None:
        self.region = region
        self._known = _known_patterns(known)

    def mask(self, text: str, *, mapping: Mapping[str, str] | None = None) -> Masked:
        """``text`` with personal data replaced. Pass an earlier ``mapping`` to mask a
        further message of the same conversation: numbering continues and a value seen
        before keeps its placeholder."""
        merged = dict(mapping or {})
        placeholder_of = _placeholder_of(merged)
        counters = _counters(merged)
        out: list[str] = []
        position = 0
        for found in self._findings(text):
            value = text[found.start : found.end]
            key = placeholder_of.get(found.kind + value)
            if key is None:
                counters[found.kind] = counters.get(found.kind, 0) + 1
                key = f"[{found.kind}_{counters[found.kind]}]"
                merged[key] = value
                placeholder_of[found.kind + value] = key
            out.append(text[position : found.start])
            out.append(key)
            position = found.end
        out.append(text[position:])
        return Masked("".join(out), merged)

    def mask_messages(
        self, messages: Iterable[Mapping[str, str]]
    ) -> tuple[list[dict[str, str]], dict[str, str]]:
        """Chat messages with every ``content`` masked under one shared mapping."""
        mapping: dict[str, str] = {}
        masked: list[dict[str, str]] = []
        for message in messages:
            result = self.mask(message.get("content", ""), mapping=mapping)
            mapping = result.mapping
            masked.append({**message, "content": result.text})
        return masked, mapping

    @staticmethod
    def restore(text: str, mapping: Mapping[str, str]) -> str:
        """``text`` with every placeholder of ``mapping`` replaced by its original value;
        placeholders the mapping does not know are left as they are."""
        return PLACEHOLDER.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)

    def _findings(self, text: str) -> list[_Finding]:
        """Non-overlapping findings in text order; higher-priority kinds win overlaps."""
        candidates = [
            *(_Finding(m.start(), m.end(), "TEXT") for m in PLACEHOLDER.finditer(text)),
            *(_Finding(m.start(), m.end(), "ADDRESS") for m in _known_matches(self._known, text)),
            *(_Finding(m.start(), m.end(), "ADDRESS") for m in _STREET.finditer(text)),
            *(_Finding(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text)),
            *_ibans(text),
            *_cards(text),
            *_phones(text, self.region),
        ]
        taken: list[_Finding] = []
        for candidate in candidates:  # already in priority order
            if all(candidate.end <= t.start or candidate.start >= t.end for t in taken):
                taken.append(candidate)
        return sorted(taken, key=lambda f: f.start)


def _placeholder_of(mapping: Mapping[str, str]) -> dict[str, str]:
    """Kind + original value -> placeholder, so a value seen before keeps its placeholder."""
    reverse: dict[str, str] = {}
    for key, value in mapping.items():
        match = PLACEHOLDER.fullmatch(key)
        if match:
            reverse[match.group(1) + value] = key
    return reverse


def _counters(mapping: Mapping[str, str]) -> dict[str, int]:
    counters: dict[str, int] = {}
    for key in mapping:
        match = PLACEHOLDER.fullmatch(key)
        if match:
            kind, number = match.group(1), int(match.group(2))
            counters[kind] = max(counters.get(kind, 0), number)
    return counters


def _known_patterns(known: Iterable[str]) -> list[re.Pattern[str]]:
    """Case- and spacing-insensitive patterns for known values and their specific parts,
    longest first so a whole address line wins over one of its parts."""
    phrases: set[str] = set()
    for value in known:
        phrases.add(value)
        parts = [p.strip() for p in re.split(r"[,\n]", value)]
        phrases.update(p for p in parts if re.search(r"\d", p) or len(p.split()) >= 2)
        for part in parts:  # a postcode on its own ("SW1A 1AA" out of "London SW1A 1AA")
            for code in re.findall(r"\S*\d\S*(?:\s+\S*\d\S*)*", part):
                if len(code) >= 5:
                    phrases.add(code)
    patterns = []
    for phrase in sorted(phrases, key=len, reverse=True):
        words = re.findall(r"[^\s,]+", phrase)
        if words and len("".join(words)) >= 4:
            body = r"[\s,]+".join(re.escape(w) for w in words)
            patterns.append(re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE))
    return patterns


def _known_matches(patterns: list[re.Pattern[str]], text: str) -> Iterator[re.Match[str]]:
    for pattern in patterns:
        yield from pattern.finditer(text)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _cards(text: str) -> Iterator[_Finding]:
    """Luhn-valid runs of 13-19 digits, written whole or in groups split by spaces or
    dashes; within a longer run, the longest valid stretch of whole groups."""
    for run in _DIGIT_RUN.finditer(text):
        groups = [
            (m.start() + run.start(), m.end() + run.start(), m.group())
            for m in re.finditer(r"\d+", run.group())
        ]
        first = 0
        while first < len(groups):
            last = _longest_card(groups, first)
            if last is None:
                first += 1
            else:
                yield _Finding(groups[first][0], groups[last][1], "CARD")
                first = last + 1


def _longest_card(groups: list[tuple[int, int, str]], first: int) -> int | None:
    """Index of the last group of the longest card number starting at ``groups[first]``."""
    best = None
    digits = ""
    for last in range(first, len(groups)):
        digits += groups[last][2]
        if len(digits) > 19:
            break
        if len(digits) >= 13 and _luhn_valid(digits):
            best = last
    return best


def _ibans(text: str) -> Iterator[_Finding]:
    """IBANs of a known country's length with a valid ISO 7064 checksum, written whole
    or with single spaces (usually in groups of four)."""
    for start in _IBAN_START.finditer(text):
        length = _IBAN_LENGTH.get(start.group(1).upper())
        if length is None:
            continue
        chars: list[str] = []
        position = start.start()
        while position < len(text) and len(chars) < length:
            char = text[position]
            if _ascii_alnum(char):
                chars.append(char)
            elif char != " " or not _ascii_alnum(text[position + 1 : position + 2]):
                break  # one space between groups, nothing else
            position += 1
        followed = position < len(text) and text[position].isalnum()
        if len(chars) == length and not followed and _iban_checksum_ok("".join(chars)):
            yield _Finding(start.start(), position, "IBAN")


def _ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()  # "" (past the end) is not


def _iban_checksum_ok(iban: str) -> bool:
    rearranged = iban[4:].upper() + iban[:4].upper()
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _phones(text: str, region: str | None) -> Iterator[_Finding]:
    """Phone numbers as the phonenumbers library finds them: international ones anywhere,
    national ones only with a ``region``."""
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        yield _Finding(match.start, match.end, "PHONE")
