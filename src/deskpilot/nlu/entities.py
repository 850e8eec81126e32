"""Entity extraction: order references, amounts, dates, emails, phones, card last-4, days.

Rule-based and fast (well under a millisecond for a chat message): regular
expressions for the structured things, phonenumbers for phone numbers, and
Babel's CLDR month and weekday names so dates work in every locale Babel knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.dates import get_day_names, get_month_names
from babel.numbers import get_currency_name, get_currency_symbol

from deskpilot.domain.money import CURRENCY_EXPONENTS
from deskpilot.nlu.text import fold, normalize


@dataclass(frozen=True, slots=True)
class Entity:
    """One thing found in a message: its type, normalised value and the matched text."""

    type: str
    value: Any
    text: str

    def to_json(self) -> dict[str, Any]:
        value = self.value.isoformat() if isinstance(self.value, date) else self.value
        return {"type": self.type, "value": value, "text": self.text}


_ORDER = re.compile(
    # Letters of unspaced scripts may touch the reference: '订单DP-100123在哪里'.
    r"(?<![a-z0-9])(?:dp[\s-]?|(?<=#))(\d{6})(?![0-9])|\b(?:order|bestellung|order\w*|"
    r"commande|pedido|ordine|zamówienie|objednávka|ordre|tilaus)\s*(?:nr\.?|no\.?|#)?\s*"
    r"(\d{6})\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LAST4 = re.compile(
    r"(?:ending|ends|last\s*(?:4|four)|endet auf|slutar på|slutar pa|finit par|termina(?:da)? en|"
    r"\*{2,}|x{2,}|\.{3})\s*(?:in|with|on|med|mit)?\s*(\d{4})\b",
    re.IGNORECASE,
)
_CURRENCY_SYMBOLS = {
    "€": "EUR",
    "£": "GBP",
    "$": "USD",
    "kr": "SEK",
    "¥": "JPY",
    "zł": "PLN",
    "kč": "CZK",
    "ft": "HUF",
    "lei": "RON",
    "chf": "CHF",
    "euro": "EUR",
    "euros": "EUR",
    "dollars": "USD",
    "dollar": "USD",
    "pounds": "GBP",
    "pound": "GBP",
    "kronor": "SEK",
    "kroner": "NOK",
    "złoty": "PLN",
}
# Colloquial and script-specific currency words customers type after a number.
_CURRENCY_SYMBOLS.update(
    {
        "円": "JPY", "美元": "USD", "欧元": "EUR", "英镑": "GBP", "달러": "USD", "유로": "EUR",
        "ドル": "USD", "ユーロ": "EUR", "đô": "USD", "đô la": "USD", "ดอลลาร์": "USD",
        "دولار": "USD", "دلار": "USD", "يورو": "EUR", "یورو": "EUR", "евро": "EUR",
        "долларов": "USD", "доларів": "USD", "фунтов": "GBP", "डॉलर": "USD", "पाउंड": "GBP",
        "złotych": "PLN", "zlotych": "PLN", "zl": "PLN", "forint": "HUF", "korun": "CZK",
        "kc": "CZK", "kruunua": "SEK", "kroner": "NOK", "ron": "RON",
    }
)  # fmt: skip


def _currency_names() -> dict[str, str]:
    """Every served language's names and symbols for the markets' currencies (Babel CLDR)."""
    from deskpilot.domain.markets import LANGUAGES, MARKETS

    out: dict[str, str] = {}
    currencies = sorted({mk.currency for mk in MARKETS.values()})
    for lang in LANGUAGES:
        for cur in currencies:
            try:
                names = {get_currency_name(cur, locale=lang), get_currency_symbol(cur, locale=lang)}
            except (UnknownLocaleError, ValueError):
                continue
            for name in names:
                for key in (name.lower(), fold(name)):
                    if len(key) >= 2 and not key.isdigit():
                        out.setdefault(key, cur)
    return out


_CURRENCY_SYMBOLS = {
    **_currency_names(),
    **_CURRENCY_SYMBOLS,
    **{fold(k): v for k, v in _CURRENCY_SYMBOLS.items()},
}
_CUR = "|".join(
    sorted(
        {re.escape(k) for k in _CURRENCY_SYMBOLS} | set(CURRENCY_EXPONENTS), key=len, reverse=True
    )
)
_NUM = r"\d{1,3}(?:[ .,\u00a0\u202f]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT = re.compile(
    rf"(?P<c1>{_CUR})\s?(?P<n1>{_NUM})|(?P<n2>{_NUM})\s?(?P<c2>{_CUR})(?![^\W\u3040-\u9fff])",
    re.IGNORECASE,
)
_MORE = (
    r"(?:\s*(?:more|extra|additional|further|mehr|weitere|zusätzliche|till|extra|fler|"
    r"de plus|supplémentaires|más|mas|adicionales))?"
)
_DAY_WORDS = (
    "days?|dagar|dag|tage?n?|jours?|días?|dias|giorni|dni|dage|dager|dagen|päivää|paivaa|"
    "päivällä|paivalla|päivä|paiva|dní|dni|dnů|dnu|dny|dana|dan|dneve|dni|zile|zi|napp?al|nap|"
    "napot|ημέρες|ημερες|μέρες|μερες|ημέρα|μέρα|gün|gun|günlük|päeva|paeva|päev|dienų|dienu|"
    "dienas|dienos|дни|дней|дня|день|днів|дні|днями|يوم|أيام|ايام|روز|دنوں|دن|dinon|din|दिन|"
    "maalmood|maalin|ngày|ngay"
)
_DAYS = re.compile(
    normalize(  # the text arrives normalised (Arabic letter forms): so must the pattern
        r"(?<![\w])(\d{1,3})" + _MORE + rf"(?:\s+de)?\s*(?:{_DAY_WORDS})(?!\w)"
        r"|(?<!\d)(\d{1,3})\s*(?:天|日間|日间|일|วัน)"
    ),
    re.IGNORECASE,
)
# Number words 1-4 in the served languages (accent-folded), for "two weeks".
_NUMBER_WORDS: dict[int, tuple[str, ...]] = {
    1: ("a", "one", "ein", "eine", "en", "ett", "un", "une", "una", "uno", "een", "um", "uma",
        "yksi", "yhdella", "yhden", "jeden", "jedan", "jedna", "edna", "vienas", "uks", "bir",
        "yek", "hal", "ek", "odin", "odnu", "один", "одну", "една", "mot", "unu", "egy", "ena",
        "μια", "μία", "ένα"),
    2: ("two", "zwei", "två", "tva", "deux", "dos", "twee", "due", "duas", "dois", "to",
        "kaksi", "kahdella", "kahden", "kaks", "dwa", "dwie", "dva", "dve", "dvije", "dvi",
        "iki", "do", "laba", "два", "две", "дві", "hai", "doua", "ket", "δυο", "δύο", "دو",
        "اثنين"),
    3: ("three", "drei", "tre", "trois", "tres", "três", "drie", "kolme", "kolmella", "kolmen",
        "kolm", "trzy", "tri", "tři", "три", "trys", "uc", "üç", "se", "saddex", "teen", "ba",
        "trei", "harom", "τρεις", "سه", "ثلاثة"),
    4: ("four", "vier", "fyra", "quatre", "cuatro", "quattro", "quatro", "neljä", "cztery",
        "četiri", "cetiri", "четыре", "чотири", "dort", "char", "четири"),
}  # fmt: skip
_WORD_NUMBERS = {fold(w): n for n, words in _NUMBER_WORDS.items() for w in words}
_WEEK_WORDS = (
    "weeks?|wochen?|veckor|vecka|semaines?|semanas?|weken|week|settimane|settimana|uker|uke|"
    "uger|uge|viikkoa|viikon|viikolla|viikko|tygodnie|tygodni|tydzien|tydny|tydnu|tyden|tyzdne|"
    "tyzdnov|tyzden|hettel|hetre|tjedna|tjedan|tedna|tedne|teden|седмици|седмица|savaites|savaiciu|"
    "savaite|nadalat|nadala|nadal|hafta|haftalik|hafte|haftay|أسبوع|أسابيع|اسبوع|اسابيع|"
    "هفته|ہفتے|ہفتہ|toddobaad|सप्ताह|हफ्ते|हफ़्ते|тижні|тижнів|тиждень|недели|неделю|"
    "недель|неделя|tuan|tuần|สัปดาห์|saptamani|saptamana|het|hetet|hetig|εβδομαδες|"
    "εβδομαδα|βδομαδες"
)
_NUMBER_ALTS = "|".join(sorted(map(re.escape, _WORD_NUMBERS), key=len, reverse=True))
# Matched on folded text, so the pattern is folded the same way (Arabic letter forms).
_WEEKS = re.compile(
    normalize(
        rf"(?<![\w])(\d{{1,2}}|{_NUMBER_ALTS})" + _MORE + rf"\s*(?:{_WEEK_WORDS})(?!\w)"
        r"|(?<!\d)(\d|两|二|一|三|四)\s*个?\s*(?:周|週間|週|주|星期)"
        r"|(?<![\w])(أسبوعين|اسبوعين)(?!\w)"
    ),
    re.IGNORECASE,
)
_CJK_NUMBERS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4}
_ISO_DATE = re.compile(r"\b(20\d{2})-(\d{1,2})-(\d{1,2})\b")
_NUM_DATE = re.compile(r"\b(\d{1,2})([./])(\d{1,2})(?:\2(\d{2,4}))?\.?(?!\d)")
_CJK_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日号號일]")
_DAY_ORD = re.compile(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)


def _fold(text: str) -> str:
    """Lower-case and strip accents, so 'återbetalning' matches 'aterbetalning'."""
    return fold(text)


def _amount_value(raw: str, currency: str) -> int | None:
    digits = re.sub(r"[ \u00a0\u202f]", "", raw)
    exp = CURRENCY_EXPONENTS.get(currency, 2)
    m = re.fullmatch(r"(\d+(?:[.,]\d{3})*)(?:[.,](\d{1,2}))?", digits)
    if not m:
        return None
    whole = int(re.sub(r"[.,]", "", m.group(1)))
    frac = (m.group(2) or "").ljust(exp, "0")[:exp] if exp else ""
    return int(whole * 10**exp + (int(frac) if frac else 0))


def amounts(text: str, default_currency: str) -> list[Entity]:
    out = []
    for m in _AMOUNT.finditer(text):
        sym = (m.group("c1") or m.group("c2")).lower()
        cur = _CURRENCY_SYMBOLS.get(sym) or _CURRENCY_SYMBOLS.get(fold(sym), sym.upper())
        if sym == "kr" and default_currency in ("NOK", "DKK", "SEK"):
            cur = default_currency
        if sym == "$" and default_currency in ("AUD", "CAD", "NZD", "MXN", "USD"):
            cur = default_currency
        value = _amount_value(m.group("n1") or m.group("n2"), cur)
        if value is not None and cur in CURRENCY_EXPONENTS:
            out.append(Entity("amount", {"minor": value, "currency": cur}, m.group(0).strip()))
    return out


@cache
def _calendar_words(locale: str) -> tuple[dict[str, int], dict[str, int]]:
    """Month and weekday names (wide and abbreviated, accent-folded) for a locale."""
    try:
        loc = Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        loc = Locale.parse("en")
    months: dict[str, int] = {}
    days: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for ctx in ("format", "stand-alone"):
            for num, name in get_month_names(width, ctx, loc).items():
                months[_fold(str(name)).rstrip(".")] = int(num)
            for num, name in get_day_names(width, ctx, loc).items():
                days[_fold(str(name)).rstrip(".")] = int(num)
    return months, days


def dates(text: str, today: date, locale: str = "en") -> list[Entity]:
    """Absolute dates in numeric or written form, and weekday names (next occurrence)."""
    out: list[Entity] = []
    us = locale.replace("-", "_") in ("en_US", "en_CA")
    for m in _ISO_DATE.finditer(text):
        _add_date(out, m.group(0), int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for m in _CJK_DATE.finditer(text):
        month, day = int(m.group(1)), int(m.group(2))
        _add_date(out, m.group(0), _year_for(today, month, day), month, day)
    for m in _NUM_DATE.finditer(text):
        if _ISO_DATE.search(m.group(0)):
            continue
        a, b = int(m.group(1)), int(m.group(3))
        day, month = (b, a) if us else (a, b)
        year = int(m.group(4)) if m.group(4) else _year_for(today, month, day)
        _add_date(out, m.group(0), year + (2000 if year < 100 else 0), month, day)
    folded = _fold(text)
    months, days = _calendar_words(locale.split("_")[0])
    en_months, en_days = _calendar_words("en")
    tokens = re.findall(r"[^\W\d_]+|\d{1,2}", folded)
    for i, tok in enumerate(tokens):
        named = months.get(tok) or en_months.get(tok)
        if named and len(tok) >= 3:
            near = _neighbour_day(tokens, i)
            if near:
                _add_date(out, tok, _year_for(today, named, near), named, near)
        weekday = days.get(tok) or en_days.get(tok)
        if weekday is not None and len(tok) >= 3:
            ahead = (weekday - today.weekday()) % 7 or 7
            out.append(Entity("date", today + timedelta(days=ahead), tok))
    if not any(e.type == "date" for e in out):
        ordinal = _DAY_ORD.search(text)
        if ordinal and 1 <= int(ordinal.group(1)) <= 31:
            day = int(ordinal.group(1))
            at_month = today.month if day >= today.day else today.month % 12 + 1
            _add_date(out, ordinal.group(0), _year_for(today, at_month, day), at_month, day)
    return out


def _neighbour_day(tokens: list[str], i: int) -> int | None:
    for j in (i - 1, i + 1, i - 2):
        if 0 <= j < len(tokens) and tokens[j].isdigit() and 1 <= int(tokens[j]) <= 31:
            return int(tokens[j])
    return None


def _year_for(today: date, month: int, day: int) -> int:
    """The year that makes month/day the next such date (customers mean the future)."""
    try:
        return (
            today.year
            if date(today.year, month, day) >= today - timedelta(days=7)
            else today.year + 1
        )
    except ValueError:
        return today.year


def _add_date(out: list[Entity], text: str, year: int, month: int, day: int) -> None:
    try:
        out.append(Entity("date", date(year, month, day), text))
    except ValueError:
        return


def phones(text: str, region: str) -> list[Entity]:
    out = []
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        out.append(
            Entity(
                "phone",
                phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164),
                match.raw_string,
            )
        )
    return out


def extract(
    text: str, *, today: date, locale: str = "en_US", region: str = "US", currency: str = "USD"
) -> list[Entity]:
    """Every entity in ``text``; ``locale``/``region``/``currency`` resolve local formats."""
    found: list[Entity] = []
    for m in _ORDER.finditer(text):
        found.append(Entity("order_reference", f"DP-{m.group(1) or m.group(2)}", m.group(0)))
    for m in _EMAIL.finditer(text):
        found.append(Entity("email", m.group(0), m.group(0)))
    cleaned = _EMAIL.sub(" ", text)
    for m in _LAST4.finditer(cleaned):
        found.append(Entity("card_last4", m.group(1), m.group(0)))
    found += amounts(cleaned, currency)
    if not any(e.type == "order_reference" for e in found):
        found += phones(cleaned, region)
    for m in _DAYS.finditer(cleaned):
        found.append(Entity("days", int(m.group(1) or m.group(2)), m.group(0)))
    for m in _WEEKS.finditer(fold(cleaned)):
        word = m.group(1) or m.group(2) or "2"  # group 3: the Arabic dual, "two weeks"
        n = int(word) if word.isdigit() else _WORD_NUMBERS.get(word, _CJK_NUMBERS.get(word, 1))
        found.append(Entity("days", 7 * n, m.group(0)))
    taken = " ".join(e.text for e in found if e.type in ("amount", "order_reference", "phone"))
    found += [d for d in dates(cleaned, today, locale) if d.text not in taken]
    return found
