"""Entities customers type: references, amounts, dates, contact details, card digits."""

from __future__ import annotations

from datetime import date

import pytest

from deskpilot.nlu.entities import extract
from deskpilot.nlu.text import normalize

TODAY = date(2026, 6, 15)


def _values(text: str, kind: str, **kw: str) -> list[object]:
    return [e.value for e in extract(text, today=TODAY, **kw) if e.type == kind]


@pytest.mark.parametrize(
    "text",
    [
        "where is DP-100123",
        "order 100123 is late",
        "dp100123?",
        "Bestellung 100123",
        "pedido 100123",
        "订单DP-100123在哪里",
        "注文DP100123はまだ届きません",
        "주문DP-100123 어디",
    ],
)
def test_that_order_references_are_found_in_any_form(text: str) -> None:
    assert _values(text, "order_reference") == ["DP-100123"]


@pytest.mark.parametrize(
    ("text", "locale", "currency", "minor", "code"),
    [
        ("I was charged £45.99 twice", "en_GB", "GBP", 4599, "GBP"),
        ("es waren 45,99 € zu viel", "de_DE", "EUR", 4599, "EUR"),
        ("jag betalade 1 299 kr", "sv_SE", "SEK", 129900, "SEK"),
        ("$1,200.50 on my card", "en_US", "USD", 120050, "USD"),
        ("1.299,50 SEK", "sv_SE", "SEK", 129950, "SEK"),
    ],
)
def test_that_amounts_are_read_in_local_formats(
    text: str, locale: str, currency: str, minor: int, code: str
) -> None:
    assert _values(text, "amount", locale=locale, currency=currency) == [
        {"minor": minor, "currency": code}
    ]


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("kann ich bis 15.07. zahlen", "de_DE", date(2026, 7, 15)),
        ("can I pay on 07/15", "en_US", date(2026, 7, 15)),
        ("den 3 juli", "sv_SE", date(2026, 7, 3)),
        ("el 3 de julio", "es_ES", date(2026, 7, 3)),
        ("le 3 juillet", "fr_FR", date(2026, 7, 3)),
        ("on the 20th", "en_GB", date(2026, 6, 20)),
        ("next friday", "en_GB", date(2026, 6, 19)),
    ],
)
def test_that_dates_are_read_in_many_languages(text: str, locale: str, expected: date) -> None:
    assert _values(text, "date", locale=locale)[0] == expected


def test_that_contact_details_and_card_digits_are_found() -> None:
    ents = extract(
        "new email anna@example.com, phone 0151 23456789, card ending 4821",
        today=TODAY,
        locale="de_DE",
        region="DE",
        currency="EUR",
    )
    found = {e.type: e.value for e in ents}
    assert found["email"] == "anna@example.com"
    assert found["phone"] == "+4915123456789"
    assert found["card_last4"] == "4821"


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("give me 2 weeks", 14),
        ("14 more days please", 14),
        ("noch 10 Tage", 10),
        ("tre veckor", 21),
    ],
)
def test_that_durations_become_days(text: str, days: int) -> None:
    assert _values(text, "days")[0] == days


@pytest.mark.parametrize(
    ("text", "locale", "currency", "minor", "when"),
    [
        ("zapłaciłem 1 234,50 zł 3 lipca", "pl_PL", "PLN", 123450, date(2026, 7, 3)),
        ("دفعت ٤٥٫٩٩ يورو في ١٢ يوليو", "ar", "EUR", 4599, date(2026, 7, 12)),
        ("我在7月3日付了45.99美元", "zh", "USD", 4599, date(2026, 7, 3)),
        ("7月3日に4,500円払いました", "ja_JP", "JPY", 4500, date(2026, 7, 3)),
        ("mình đã trả 45,99 đô ngày 3/7", "vi", "USD", 4599, date(2026, 7, 3)),
        ("πλήρωσα 45,99€ στις 3 Ιουλίου", "el_GR", "EUR", 4599, date(2026, 7, 3)),
        ("zaplatil jsem 1 200 Kč 3. července", "cs_CZ", "CZK", 120000, date(2026, 7, 3)),
        ("maksoin 45,99 € 3. heinäkuuta", "fi_FI", "EUR", 4599, date(2026, 7, 3)),
    ],
)
def test_that_local_amounts_dates_and_digits_are_read_in_many_languages(
    text: str, locale: str, currency: str, minor: int, when: date
) -> None:
    found = {e.type: e.value for e in extract(normalize(text), today=TODAY, locale=locale)}
    assert found["amount"] == {"minor": minor, "currency": currency}
    assert found["date"] == when


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("还款日延长10天", 10),
        ("10 gün uzatın", 10),
        ("продлите на 14 дней", 14),
        ("7 dní", 7),
        ("twee weken", 14),
        ("due settimane", 14),
        ("dwa tygodnie", 14),
        ("延长两周", 14),
        ("أسبوعين", 14),
        ("٣ أسابيع", 21),
    ],
)
def test_that_durations_are_read_in_many_languages(text: str, days: int) -> None:
    found = [e.value for e in extract(normalize(text), today=TODAY) if e.type == "days"]
    assert found == [days]


@pytest.mark.parametrize("text", ["DP-1001234", "xdp100123", "ordernumber 1234567"])
def test_that_longer_numbers_are_not_taken_for_order_references(text: str) -> None:
    assert _values(text, "order_reference") == []
