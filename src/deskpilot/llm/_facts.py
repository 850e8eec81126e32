"""The checkable facts a text states (amounts, percentages, dates, other numbers, order
references and links), so that what a model wrote can be held against what it was given:
a fact that none of the sources states was invented, and the model's text is not used.

Numbers are compared by value ("GBP 5.00", "£5" and "5,00 £" state the same amount);
dates by day, month and year in the formats customers read (ISO, 15/06/2026, 15 June 2026,
June 15, 2026, 2026年6月15日) with month names of the text's language from CLDR.
Number words are recognised in English only; in other languages only digits are checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import get_month_names

from deskpilot.domain.money import CURRENCY_EXPONENTS

# A number as people write it: 5, 5.00, 5,00, 1,000.50, 1.000,50, 2 000, 1'000.
NUMBER = r"(?<![\d.,])(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,'’]\d+)*)(?!\d)"
LINK = re.compile(r"https?://[^\s<>\"'()\[\]]+|(?<![\w/.])/[\w.-]+(?:/[\w.-]+)+")
REFERENCE = re.compile(r"\b[A-Z]{2,5}-\d{3,}\b")

_DOLLARS = frozenset({"USD", "AUD", "NZD", "CAD", "MXN"})
_CROWNS = frozenset({"SEK", "NOK", "DKK"})
_SYMBOLS: dict[str, frozenset[str]] = {
    "US$": frozenset({"USD"}), "A$": frozenset({"AUD"}), "AU$": frozenset({"AUD"}),
    "NZ$": frozenset({"NZD"}), "CA$": frozenset({"CAD"}), "C$": frozenset({"CAD"}),
    "MX$": frozenset({"MXN"}), "$": _DOLLARS, "£": frozenset({"GBP"}), "€": frozenset({"EUR"}),
    "¥": frozenset({"JPY", "CNY"}), "￥": frozenset({"JPY", "CNY"}), "円": frozenset({"JPY"}),
    "元": frozenset({"CNY"}), "₹": frozenset({"INR"}), "₩": frozenset({"KRW"}),
    "฿": frozenset({"THB"}), "₺": frozenset({"TRY"}), "₴": frozenset({"UAH"}),
    "₽": frozenset({"RUB"}), "zł": frozenset({"PLN"}), "Kč": frozenset({"CZK"}),
    "Ft": frozenset({"HUF"}), "lei": frozenset({"RON"}), "лв": frozenset({"BGN"}),
    "Fr.": frozenset({"CHF"}), "kr.": _CROWNS, "kr": _CROWNS, "pounds": frozenset({"GBP"}),
    "pound": frozenset({"GBP"}), "euros": frozenset({"EUR"}), "euro": frozenset({"EUR"}),
    "dollars": _DOLLARS, "dollar": _DOLLARS, "kronor": _CROWNS, "kroner": _CROWNS,
    "krona": _CROWNS, "krone": _CROWNS,
}  # fmt: skip
_CODES = frozenset(CURRENCY_EXPONENTS) | {"INR", "KRW", "THB", "TRY", "UAH", "RUB", "CNY"}
_PERCENT_WORDS = (
    "%|％|percent|per cent|prozent|pour cent|por ciento|por cento|per cento|procent|"
    "prosent|prosentti|százalék|процент(?:а|ов)?"
)
_ENGLISH_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
    "hundred": 100,
}  # fmt: skip
_ENGLISH_WORD = re.compile(r"\b(" + "|".join(_ENGLISH_NUMBERS) + r")\b", re.IGNORECASE)


def _symbol_pattern() -> str:
    alternatives = []
    for symbol in sorted([*_SYMBOLS, *_CODES], key=len, reverse=True):
        escaped = re.escape(symbol)
        alternatives.append(rf"(?<!\w){escaped}(?!\w)" if symbol[-1].isalpha() else escaped)
    return "|".join(alternatives)


_SYMBOL = _symbol_pattern()
_AMOUNT = re.compile(
    rf"(?P<pre>{_SYMBOL})\s?(?P<n1>{NUMBER})|(?P<n2>{NUMBER})\s?(?P<post>{_SYMBOL})"
)
_PERCENT = re.compile(
    rf"(?P<n1>{NUMBER})\s?(?:{_PERCENT_WORDS})|(?:%|％)\s?(?P<n2>{NUMBER})", re.IGNORECASE
)
_NUMBER = re.compile(NUMBER)
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})([./])(\d{1,2})\2(\d{4}|\d{2})(?![\d])")
_CJK_DATE = re.compile(r"(?:(\d{4})\s*[年년]\s*)?(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]")

Values = frozenset[Decimal]
DateKey = tuple[int, int, int | None]  # day, month, year (None: not said)


@dataclass
class Facts:
    """What a text states, each fact as the values it can mean (ambiguous separators)."""

    amounts: list[tuple[str, Values, frozenset[str]]] = field(default_factory=list)
    percents: list[tuple[str, Values]] = field(default_factory=list)
    dates: list[tuple[str, frozenset[DateKey]]] = field(default_factory=list)
    numbers: list[tuple[str, Values]] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def plain_numbers(self) -> set[Decimal]:
        """Values stated other than as money or as a day of a date: on their own, as
        percentages, as years. ('30 days' is backed neither by 'GBP 30.00' nor by
        '2026-06-30'.)"""
        out: set[Decimal] = set()
        for _, values in [*self.percents, *self.numbers]:
            out |= values
        for _, keys in self.dates:
            out |= {Decimal(year) for _, _, year in keys if year}
        return out


def values(token: str) -> Values:
    """The values a written number can mean: '1,000' is a thousand or (in much of
    Europe) one; '5,00' is five; '1.000,50' is a thousand and a half."""
    s = re.sub(r"[ \u00a0\u202f'’]", "", token)
    marks = {c for c in s if c in ".,"}
    try:
        if not marks:
            return frozenset({Decimal(s)})
        if len(marks) == 2:
            decimal = "." if s.rfind(".") > s.rfind(",") else ","
            whole, _, fraction = s.rpartition(decimal)
            return frozenset({Decimal(re.sub(r"[.,]", "", whole) + "." + fraction)})
        (mark,) = marks
        groups = s.split(mark)
        joined = Decimal("".join(groups))
        if len(groups) > 2:
            return frozenset({joined})
        as_decimal = Decimal(f"{groups[0]}.{groups[1]}")
        return frozenset({joined, as_decimal} if len(groups[1]) == 3 else {as_decimal})
    except InvalidOperation:
        return frozenset()


@cache
def _months(language: str) -> tuple[re.Pattern[str], dict[str, int]]:
    """A pattern matching the month names of ``language`` and English, and their numbers."""
    names: dict[str, int] = {}
    for lang in {language, "en"}:
        try:
            locale = Locale.parse(lang)
        except (UnknownLocaleError, ValueError):
            continue
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    if len(name.strip(".")) >= 3:
                        names[name.casefold()] = int(number)
                        names[name.strip(".").casefold()] = int(number)
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE), names


@cache
def _named_dates(language: str) -> tuple[tuple[re.Pattern[str], bool], ...]:
    """Day-first ('15 June 2026', '15. Juni', '15 de junio de 2026') and month-first
    ('June 15, 2026') dates; the flag says whether the day comes first."""
    m = _months(language)[0].pattern
    day_first = re.compile(
        rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+)?({m})"
        rf"(?:,?\s+(?:de\s+)?(\d{{4}}))?",
        re.IGNORECASE,
    )
    month_first = re.compile(
        rf"({m})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(\d{{4}}))?", re.IGNORECASE
    )
    return ((day_first, True), (month_first, False))


def _blank(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]


def _take_dates(text: str, language: str, facts: Facts) -> str:
    for match in _ISO_DATE.finditer(text):
        facts.dates.append((match[0], frozenset({(int(match[3]), int(match[2]), int(match[1]))})))
        text = _blank(text, match)
    for match in _NUMERIC_DATE.finditer(text):
        a, b, year = int(match[1]), int(match[3]), int(match[4])
        year = year + 2000 if year < 100 else year
        facts.dates.append((match[0], frozenset({(a, b, year), (b, a, year)})))
        text = _blank(text, match)
    for match in _CJK_DATE.finditer(text):
        key = (int(match[3]), int(match[2]), int(match[1]) if match[1] else None)
        facts.dates.append((match[0], frozenset({key})))
        text = _blank(text, match)
    names = _months(language)[1]
    for pattern, day_first in _named_dates(language):
        for match in pattern.finditer(text):
            day, month = (match[1], match[2]) if day_first else (match[2], match[1])
            key = (int(day), names[month.casefold()], int(match[3]) if match[3] else None)
            facts.dates.append((match[0], frozenset({key})))
            text = _blank(text, match)
    return text


def extract(text: str, language: str, *, number_words: bool | None = None) -> Facts:
    """The facts ``text`` (written in ``language``) states."""
    facts = Facts()
    for match in LINK.finditer(text):
        facts.links.append(match[0].rstrip(".,;:!?"))
        text = _blank(text, match)
    for match in REFERENCE.finditer(text):
        facts.references.append(match[0])
        text = _blank(text, match)
    text = _take_dates(text, language, facts)
    for match in _PERCENT.finditer(text):
        facts.percents.append((match[0], values(match["n1"] or match["n2"])))
        text = _blank(text, match)
    for match in _AMOUNT.finditer(text):
        symbol = match["pre"] or match["post"]
        codes = _SYMBOLS.get(symbol) or _SYMBOLS.get(symbol.lower()) or frozenset({symbol})
        facts.amounts.append((match[0].strip(), values(match["n1"] or match["n2"]), codes))
        text = _blank(text, match)
    for match in _NUMBER.finditer(text):
        facts.numbers.append((match[0], values(match[0])))
    if number_words if number_words is not None else language == "en":
        for match in _ENGLISH_WORD.finditer(text):
            value = Decimal(_ENGLISH_NUMBERS[match[1].lower()])
            facts.numbers.append((match[0], frozenset({value})))
    return facts


def unsupported(
    claim: str, sources: Iterable[str], language: str, *, source_language: str | None = None
) -> list[str]:
    """The amounts, percentages, dates, numbers, order references and links ``claim``
    (written in ``language``) states that none of ``sources`` does (empty: every
    checkable fact is backed). English month names are always understood."""
    given = extract("\n".join(sources), source_language or language, number_words=True)
    said = extract(claim, language)
    numbers = given.plain_numbers()
    missing: list[str] = []
    for text, amount, codes in said.amounts:
        if not any(
            amount & other and (codes & other_codes) for _, other, other_codes in given.amounts
        ):
            missing.append(text)
    for text, percent in said.percents:
        if not any(percent & other for _, other in given.percents):
            missing.append(text)
    for text, keys in said.dates:
        if not any(_same_date(key, other) for key in keys for _, o in given.dates for other in o):
            missing.append(text)
    missing += [text for text, value in said.numbers if not value & numbers]
    missing += [r for r in said.references if r not in given.references]
    missing += [link for link in said.links if link not in given.links]
    return missing


def _same_date(a: DateKey, b: DateKey) -> bool:
    return a[:2] == b[:2] and (a[2] is None or b[2] is None or a[2] == b[2])
