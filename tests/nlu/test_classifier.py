"""The embedded intent classifier, trained on a small labelled set in two languages."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskpilot.errors import InvalidInput
from deskpilot.nlu._classifier import IntentClassifier

TRAINING = {
    "card_lost": [
        "I lost my card",
        "my card was stolen",
        "someone stole my credit card",
        "I can't find my card anywhere",
        "please block my lost card",
        "my wallet with the card is gone",
        "ich habe meine Karte verloren",
        "meine Karte wurde gestohlen",
        "bitte sperren Sie meine Karte",
        "jag har tappat mitt kort",
    ],
    "refund_status": [
        "where is my refund",
        "when will I get my money back",
        "I returned the shoes but have no refund yet",
        "has my refund been processed",
        "how long does a refund take",
        "still waiting for the refund of my order",
        "wo bleibt meine Rückerstattung",
        "wann bekomme ich mein Geld zurück",
        "ich warte noch auf die Erstattung",
        "var är min återbetalning",
    ],
    "payment_date": [
        "when is my next payment due",
        "what date is the next installment",
        "when do I have to pay",
        "how much do I owe this month and when",
        "can you tell me my due date",
        "when will the next instalment be charged",
        "wann ist die nächste Rate fällig",
        "wann muss ich bezahlen",
        "wann wird die nächste Zahlung abgebucht",
        "när ska nästa betalning göras",
    ],
    "change_address": [
        "I moved and need to change my address",
        "update my home address please",
        "my address is wrong",
        "how do I change the delivery address",
        "I have a new address",
        "please correct my street name",
        "ich bin umgezogen, neue Adresse",
        "bitte ändern Sie meine Adresse",
        "meine Adresse ist falsch",
        "jag har flyttat och vill byta adress",
    ],
}
OUT_OF_SCOPE = [
    "what is the weather like tomorrow",
    "tell me a joke",
    "who won the football match",
    "play some music",
    "how tall is the eiffel tower",
    "what's a good recipe for pancakes",
    "wie wird das Wetter morgen",
    "erzähl mir einen Witz",
]
PARAPHRASES = [
    ("my card has been stolen", "card_lost"),
    ("I think I lost my credit card", "card_lost"),
    ("Karte verloren, bitte sperren", "card_lost"),
    ("is my refund on its way", "refund_status"),
    ("when do I get my money back for the return", "refund_status"),
    ("wann kommt meine Rückerstattung", "refund_status"),
    ("when is the next installment due", "payment_date"),
    ("wann ist meine nächste Zahlung fällig", "payment_date"),
    ("I need to update my address", "change_address"),
    ("meine neue Adresse bitte ändern", "change_address"),
]
UNRELATED = ["what is the weather like in Paris", "tell me a funny joke about cats"]


def _examples(with_oos: bool) -> tuple[list[str], list[str]]:
    texts = [t for phrases in TRAINING.values() for t in phrases]
    labels = [label for label, phrases in TRAINING.items() for _ in phrases]
    if with_oos:
        texts += OUT_OF_SCOPE
        labels += ["oos"] * len(OUT_OF_SCOPE)
    return texts, labels


@functools.cache
def _model_with_oos() -> IntentClassifier:
    return IntentClassifier().fit(*_examples(with_oos=True))


@pytest.fixture(scope="module")
def with_oos() -> IntentClassifier:
    return _model_with_oos()


def test_that_held_out_paraphrases_get_the_intent_they_were_trained_for(
    with_oos: IntentClassifier,
) -> None:
    predicted = [label for label, _ in with_oos.predict([t for t, _ in PARAPHRASES])]
    assert predicted == [label for _, label in PARAPHRASES]


def test_that_clearly_unrelated_text_is_out_of_scope_when_trained_with_oos_examples(
    with_oos: IntentClassifier,
) -> None:
    assert [label for label, _ in with_oos.predict(UNRELATED)] == ["oos", "oos"]


def test_that_without_oos_examples_messages_with_nothing_to_go_on_are_withheld() -> None:
    clf = IntentClassifier().fit(*_examples(with_oos=False), oos_label="out_of_scope")
    vague = ["hello", "ok", "xq zzv kkrp"]
    assert [label for label, _ in clf.predict(vague)] == ["out_of_scope"] * 3
    assert [label for label, _ in clf.predict([t for t, _ in PARAPHRASES])] == [
        label for _, label in PARAPHRASES
    ]


def test_that_confidences_are_probabilities_and_the_top_alternative_is_the_label(
    with_oos: IntentClassifier,
) -> None:
    for text, expected in PARAPHRASES:
        label, confidence, alternatives = with_oos.predict_one(text)
        assert label == expected
        assert 0.0 <= confidence <= 1.0
        assert len(alternatives) == 3
        assert alternatives[0] == (label, confidence)
        assert [p for _, p in alternatives] == sorted((p for _, p in alternatives), reverse=True)
        assert "oos" not in [a for a, _ in alternatives]
    _, confidence, alternatives = with_oos.predict_one(UNRELATED[0])
    assert 0.0 <= confidence <= 1.0
    assert confidence == pytest.approx(1.0 - alternatives[0][1])


def test_that_a_saved_model_loads_with_identical_predictions(
    with_oos: IntentClassifier, tmp_path: Path
) -> None:
    with_oos.save(tmp_path / "model")
    loaded = IntentClassifier.load(tmp_path / "model")
    texts = [t for t, _ in PARAPHRASES] + UNRELATED
    assert loaded.predict(texts) == with_oos.predict(texts)
    assert loaded.predict_one(texts[0]) == with_oos.predict_one(texts[0])
    assert loaded.labels == with_oos.labels == sorted([*TRAINING, "oos"])
    meta = json.loads((tmp_path / "model" / "meta.json").read_text(encoding="utf-8"))
    assert meta["threshold"] == with_oos.threshold
    assert meta["labels"] == sorted([*TRAINING, "oos"])


def test_that_a_model_saved_by_another_scikit_learn_version_is_refused(
    with_oos: IntentClassifier, tmp_path: Path
) -> None:
    with_oos.save(tmp_path)
    meta_path = tmp_path / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["sklearn_version"] = "0.0.1"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(InvalidInput, match="retrain"):
        IntentClassifier.load(tmp_path)


def test_that_training_data_with_a_single_intent_is_refused() -> None:
    with pytest.raises(InvalidInput):
        IntentClassifier().fit(["where is my refund", "refund please"], ["refund", "refund"])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_that_one_message_is_scored_exactly_as_a_batch_would_be(text: str) -> None:
    """predict_one takes a fast path past scikit-learn's transform; it must agree with it."""
    scorer = _model_with_oos()._scorer
    assert scorer is not None
    assert np.allclose(scorer.score_one(text), scorer.scores([text])[0], atol=1e-12)
