"""The help centre finds the right article, or says it has none."""

from __future__ import annotations

import pytest

from deskpilot.knowledge import HelpCentre


@pytest.fixture(scope="module")
def help_centre() -> HelpCentre:
    return HelpCentre()


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("what is your return policy?", "returns"),
        ("how long do refunds take", "refunds"),
        ("is there interest on pay in 4", "pay-in-4"),
        ("can I pay off my financing early", "financing"),
        ("how do disputes work", "disputes"),
        ("what do you do with my personal data", "privacy-and-personal-data"),
        ("how much is the late fee", "late-fees"),
    ],
)
def test_that_common_questions_find_their_article(
    help_centre: HelpCentre, question: str, article: str
) -> None:
    answer = help_centre.answer(question)
    assert answer is not None and answer.article.id == article
    assert answer.quote and answer.article.link == f"/help/en/{article}"


def test_that_an_unrelated_question_finds_nothing(help_centre: HelpCentre) -> None:
    assert help_centre.answer("who won the football world cup in 1998") is None


def test_that_every_article_has_a_title_and_tags(help_centre: HelpCentre) -> None:
    articles = help_centre.articles["en"]
    assert len(articles) >= 15
    assert all(a.title and a.tags and len(a.body) > 300 for a in articles)


@pytest.mark.parametrize(
    ("language", "question", "article"),
    [
        ("de", "Wie kann ich etwas zurückschicken?", "returns"),
        ("de", "Warum wurde meine Zahlung abgelehnt?", "declined-payments"),
        ("sv", "Jag vill skicka tillbaka en tröja, hur gör jag?", "returns"),
        ("sv", "vad kostar förseningsavgiften", "late-fees"),
        ("fr", "J'ai combien de jours pour renvoyer un article ?", "returns"),
        ("fr", "que faites-vous de mes données", "privacy-and-personal-data"),
        ("es", "cuánto tarda un reembolso", "refunds"),
        ("es", "cómo cierro mi cuenta", "closing-account"),
    ],
)
def test_that_questions_in_other_languages_find_articles_in_that_language(
    help_centre: HelpCentre, language: str, question: str, article: str
) -> None:
    answer = help_centre.answer(question, language)
    assert answer is not None and answer.article.id == article
    assert answer.article.language == language


EUROPEAN_MARKET_LANGUAGES = sorted(
    {"en", "de", "sv", "nb", "fi", "da", "nl", "fr", "it", "es", "pt", "pl", "cs", "el", "ro", "hu"}
)


def test_that_the_help_centre_has_every_article_in_the_european_market_languages(
    help_centre: HelpCentre,
) -> None:
    english = {a.id for a in help_centre.articles["en"]}
    for lang in EUROPEAN_MARKET_LANGUAGES:
        assert {a.id for a in help_centre.articles.get(lang, [])} == english, lang


@pytest.mark.parametrize("lang", EUROPEAN_MARKET_LANGUAGES)
def test_that_searching_by_a_customers_words_finds_the_article_in_each_language(
    help_centre: HelpCentre, lang: str
) -> None:
    """Each article's own search words (its tags, as customers type them) find it first."""
    articles = help_centre.articles.get(lang, [])
    assert articles, lang
    found = 0
    for article in articles:
        query = " ".join(article.tags[:3])
        hit = help_centre.answer(query, lang)
        found += hit is not None and hit.article.id == article.id
    assert found >= 0.8 * len(articles), f"{lang}: {found} of {len(articles)}"
