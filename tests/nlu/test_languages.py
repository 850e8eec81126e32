"""Thirty-five languages: identification, switching, mixing, and the same help in each."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from deskpilot.db import Database
from deskpilot.domain.markets import LANGUAGES
from deskpilot.engine.assistant import Assistant
from deskpilot.engine.responses import Responses
from deskpilot.knowledge import default_help_centre
from deskpilot.nlu import lexicon
from deskpilot.nlu import model as nlu_model
from deskpilot.nlu.evaluation import scenario_openings
from deskpilot.nlu.language import word_count
from tests.factories import make_customer


def test_that_every_language_has_training_data_lexicon_and_templates() -> None:
    assert set(nlu_model.languages()) == set(LANGUAGES)
    assert set(lexicon.languages()) == set(LANGUAGES)
    assert set(Responses().languages) == set(LANGUAGES)


def test_that_templates_are_written_in_each_language_not_copied_from_english() -> None:
    responses = Responses()
    english = responses.catalogs["en"].templates
    for lang in LANGUAGES:
        if lang == "en":
            continue
        own = responses.catalogs[lang].templates
        same = [k for k, v in english.items() if own.get(k) == v and "{" not in str(v)[:3]]
        assert len(same) <= len(english) * 0.05, f"{lang}: {len(same)} copied, e.g. {same[:5]}"


def test_that_languages_are_told_apart_on_messages_of_three_words_or_more(
    understanding: Any,
) -> None:
    """The scenario openings were written apart from the training data: a fair test."""
    hits: dict[str, list[bool]] = defaultdict(list)
    for sample in scenario_openings():
        if word_count(sample.text) >= 3:
            detected = understanding.language_id.detect(sample.text).language
            hits[sample.language].append(detected == sample.language)
    assert set(hits) == set(LANGUAGES)
    overall = sum(sum(h) for h in hits.values()) / sum(len(h) for h in hits.values())
    assert overall >= 0.97, overall
    worst = min(hits, key=lambda k: sum(hits[k]) / len(hits[k]))
    assert sum(hits[worst]) / len(hits[worst]) >= 0.85, worst


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("mera refund kab aayega", "hi"),
        ("wen el order taba3i", "ar"),
        ("gdzie jest moja paczka", "pl"),
        ("где мой заказ", "ru"),
        ("我的订单在哪里", "zh"),
        ("siparişim nerede kaldı", "tr"),
        ("waar blijft mijn pakket", "nl"),
    ],
)
def test_that_short_messages_and_latin_letter_forms_are_recognised(
    understanding: Any, text: str, language: str
) -> None:
    assert understanding.language_id.detect(text).language == language


def test_that_the_assistant_follows_a_customer_who_switches_language(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "in_transit", country="DE")
    reply = assistant.start(c.customer_id)
    assert reply.language == "de"
    reply = assistant.handle(reply.conversation_id, c.customer_id, "ok")
    assert reply.language == "de"  # one word says nothing: stay
    reply = assistant.handle(
        reply.conversation_id, c.customer_id, "Siparişim nerede, ne zaman gelecek?"
    )
    assert reply.language == "tr"
    turkish = Responses().template("order_status.in_transit", "tr").split("{")[0].strip()
    assert turkish[:15] in "\n".join(reply.messages), reply.messages


def test_that_a_customer_who_speaks_another_language_than_the_market_is_greeted_in_it(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "in_transit", country="SE", language="ar")
    reply = assistant.start(c.customer_id)
    assert reply.language == "ar"
    assert any("\u0600" <= ch <= "\u06ff" for ch in reply.messages[0])


def test_that_a_hinglish_request_is_handled_in_hindi(assistant: Assistant, db: Database) -> None:
    c = make_customer(db, "delivered_recent", country="GB", language="hi")
    reply = assistant.start(c.customer_id)
    reply = assistant.handle(
        reply.conversation_id, c.customer_id, "maine shoes return kar diye, payment rok do please"
    )
    assert reply.language == "hi"
    assert reply.awaiting is not None and reply.awaiting.kind in ("confirm", "slot")
    assert any("\u0900" <= ch <= "\u097f" for ch in "".join(reply.messages))


def test_that_arabic_digits_are_read_as_numbers(assistant: Assistant, db: Database) -> None:
    c = make_customer(db, "in_transit", "processing", country="SE", language="ar")
    reply = assistant.start(c.customer_id)
    reply = assistant.handle(reply.conversation_id, c.customer_id, "أين طلبي؟ متى سيصل")
    assert reply.awaiting is not None and reply.awaiting.slot == "order_reference", reply.messages
    options = "\n".join(reply.messages)
    second = min(c.orders, key=lambda ref: -options.find(ref) if ref in options else 0)
    reply = assistant.handle(reply.conversation_id, c.customer_id, "٢")
    assert second in "\n".join(reply.messages), reply.messages


def test_that_help_centre_questions_in_languages_without_articles_get_the_english_article(
    assistant: Assistant, db: Database
) -> None:
    assert "th" not in default_help_centre().languages()
    c = make_customer(db, "delivered_recent", country="US", language="th")
    reply = assistant.start(c.customer_id)
    reply = assistant.handle(
        reply.conversation_id, c.customer_id, "ฉันมีเวลากี่วันในการคืนสินค้า นโยบายการคืนสินค้าเป็นอย่างไร"
    )
    text = "\n".join(reply.messages)
    intro = Responses().template("knowledge.answer_english", "th").split("{")[0].strip()
    assert intro[:12] in text, text
    assert "/help/en/returns" in text


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_that_a_person_can_be_reached_in_every_language(
    assistant: Assistant, db: Database, lang: str
) -> None:
    word = lexicon.lexicons()[lang].lists["human"][0]
    c = make_customer(db, "delivered_recent", country="GB", language=lang)
    reply = assistant.start(c.customer_id)
    reply = assistant.handle(reply.conversation_id, c.customer_id, word)
    assert reply.handoff == "customer_request", (lang, word, reply.messages)
