"""Templates exist in every language with the same placeholders; flows are consistent."""

from __future__ import annotations

import gettext
import re

import pytest
from babel.messages.plurals import get_plural

from deskpilot.domain.markets import LANGUAGES
from deskpilot.engine.flows import load_flows
from deskpilot.engine.responses import PLACEHOLDER, Responses, catalogs
from deskpilot.nlu.lexicon import ENUMS


def _forms(template: str | tuple[str, ...]) -> tuple[str, ...]:
    return template if isinstance(template, tuple) else (template,)


def test_that_every_key_exists_in_every_language_with_the_same_placeholders() -> None:
    cats = catalogs()
    english = cats["en"].templates
    assert set(cats) == set(LANGUAGES)
    for lang, cat in cats.items():
        assert set(cat.templates) == set(english), f"{lang}: {set(english) ^ set(cat.templates)}"
        for key, text in english.items():
            want = set(PLACEHOLDER.findall(_forms(text)[-1]))
            for form in _forms(cat.templates[key]):
                assert form.strip(), f"{lang} {key} is empty"
                assert set(PLACEHOLDER.findall(form)) == want, f"{lang} {key}"


def test_that_plural_entries_have_the_languages_number_of_forms() -> None:
    for lang, cat in catalogs().items():
        wanted = get_plural(lang).num_plurals
        for key, template in cat.templates.items():
            if isinstance(template, tuple):
                assert len(template) == wanted, f"{lang} {key}: {len(template)} != {wanted}"


@pytest.mark.parametrize("lang", ["en", "fr", "pl", "ru", "ar", "cs", "ja"])
def test_that_the_wait_estimate_uses_the_plural_form_for_the_number(lang: str) -> None:
    responses = Responses()
    if lang not in responses.catalogs:
        pytest.fail(f"no catalog for {lang}")
    forms = responses.catalogs[lang].templates["handoff.wait_minutes"]
    assert isinstance(forms, tuple)
    rule = gettext.c2py(get_plural(lang).plural_expr)
    for minutes in (1, 2, 5, 11, 22, 100):
        text = responses.render(
            "handoff.wait_minutes", lang, lang, {"ticket_id": 7, "minutes": minutes}
        )
        expected = (
            forms[rule(minutes)].replace("{minutes}", str(minutes)).replace("{ticket_id}", "7")
        )
        assert text == expected.strip()
        assert str(minutes) in text


def test_that_every_template_a_flow_can_send_exists() -> None:
    responses = Responses()
    for flow in load_flows().values():
        for step in flow.steps:
            for key in (step.say, step.confirm):
                if not key:
                    continue
                variants = [key]
                if "{" in key:  # e.g. order_status.{order.shipping_status}
                    variants = [
                        k
                        for k in responses.catalogs["en"].templates
                        if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", r"[a-z_]+", re.escape(key)), k)
                    ]
                assert variants, f"{flow.id}: no template for {key}"
        for slot in flow.slots.values():
            if slot.ask:
                assert responses.has(slot.ask), slot.ask
            if slot.enum:
                for value in ENUMS[slot.enum]:
                    assert responses.has(f"enum.{slot.enum}.{value}")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("de_DE", "45,99\xa0€"),
        ("en_GB", "£45.99"),
        ("sv_SE", "45,99\xa0kr"),
        ("fr_FR", "45,99\xa0€"),
    ],
)
def test_that_money_is_formatted_for_the_customers_locale(locale: str, expected: str) -> None:
    currency = {"de_DE": "EUR", "en_GB": "GBP", "sv_SE": "SEK", "fr_FR": "EUR"}[locale]
    text = Responses().render(
        "fee.waived",
        "en",
        locale,
        {"result": {"fee": {"amount": {"minor": 4599, "currency": currency}}}},
    )
    assert expected in text


def test_that_dates_are_written_in_the_customers_language() -> None:
    text = Responses().render(
        "extend.done",
        "de",
        "de_DE",
        {
            "result": {
                "installment": {
                    "outstanding": {"minor": 1000, "currency": "EUR"},
                    "due_date": "2026-07-03",
                }
            }
        },
    )
    assert "3. Juli 2026" in text
