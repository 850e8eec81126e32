"""Per-language figures for the embedded understanding.

Three measurements, each broken down by language:

- intent accuracy on a held-out share of our training data (stratified by language and
  intent; the models are retrained on the rest);
- intent accuracy on the scenario suite's opening messages, which were written
  separately from the training data (the inquiry of a scenario is the intent its
  first message asks for);
- language identification on both, for messages of three words or more and of two words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sklearn.model_selection import train_test_split

from deskpilot.nlu import model as nlu_model
from deskpilot.nlu.language import LanguageIdentifier, word_count

_PLACEHOLDER = re.compile(r"\$(order\d|foreign_order|card\d|email)")
_SAMPLE = {"order": "DP-100123", "foreign_order": "DP-100999", "card": "4821", "email": "a@b.se"}


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    intent: str
    language: str


def scenario_openings() -> list[Sample]:
    """Every phrasing of every scenario's first message, with its inquiry and language."""
    from deskpilot.evaluation.scenario import ScriptedTurn, load_scenarios

    out = []
    for scenario in load_scenarios():
        if not scenario.turns:
            continue
        first = scenario.turns[0]
        said = first.say if isinstance(first, ScriptedTurn) else first
        for text in said if isinstance(said, list) else [said]:
            filled = _PLACEHOLDER.sub(lambda m: _SAMPLE[m.group(1).rstrip("0123456789")], text)
            out.append(Sample(filled, scenario.inquiry, scenario.language))
    return out


def _rate(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def _score(
    samples: list[Sample],
    intent_of: Callable[[str], str],
    language_of: Callable[[str], str],
) -> dict[str, dict[str, Any]]:
    intents: dict[str, list[bool]] = defaultdict(list)
    long_ids: dict[str, list[bool]] = defaultdict(list)
    short_ids: dict[str, list[bool]] = defaultdict(list)
    for s in samples:
        intents[s.language].append(intent_of(s.text) == s.intent)
        words = word_count(s.text)
        if words >= 3:
            long_ids[s.language].append(language_of(s.text) == s.language)
        elif words == 2:
            short_ids[s.language].append(language_of(s.text) == s.language)
    return {
        lang: {
            "n": len(intents[lang]),
            "intent_accuracy": _rate(intents[lang]),
            "language_id_3plus_words": _rate(long_ids[lang]),
            "language_id_2_words": _rate(short_ids[lang]),
        }
        for lang in sorted(intents)
    }


def evaluate(
    test_size: float = 0.2, seed: int = 0, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Train on (1 - test_size) of the data; score the rest and the scenario openings."""
    from deskpilot.nlu._classifier import IntentClassifier

    say = progress or (lambda _msg: None)
    paths = nlu_model.training_files()
    texts, labels, langs = nlu_model.read_training_data(paths)
    strata = [f"{lang}/{label}" for lang, label in zip(langs, labels, strict=True)]
    idx = list(range(len(texts)))
    train_idx, test_idx = train_test_split(
        idx, test_size=test_size, random_state=seed, stratify=strata
    )
    say(f"training the intent model on {len(train_idx)} of {len(texts)} examples")
    intents = IntentClassifier(folds=3).fit(
        [texts[i] for i in train_idx], [labels[i] for i in train_idx], oos_label="out_of_scope"
    )
    say("training the language model")
    lang_model = IntentClassifier(folds=2).fit(
        [texts[i] for i in train_idx],
        [langs[i] for i in train_idx],
        oos_label="",
        tune_threshold=False,
    )
    identifier = LanguageIdentifier(lang_model, tuple(sorted(set(langs))))

    def intent_of(text: str) -> str:
        return intents.predict_one(text)[0]

    def language_of(text: str) -> str:
        return identifier.detect(text).language

    say("scoring")
    held_out = [Sample(texts[i], labels[i], langs[i]) for i in test_idx]
    holdout = _score(held_out, intent_of, language_of)
    scenarios = _score(scenario_openings(), intent_of, language_of)
    english = holdout.get("en", {}).get("intent_accuracy") or 0.0
    for row in holdout.values():
        row["gap_to_english"] = round(english - (row["intent_accuracy"] or 0.0), 4)
    worst = min(holdout, key=lambda k: holdout[k]["intent_accuracy"] or 0.0, default=None)
    pooled = [s for s in held_out if word_count(s.text) >= 3]
    return {
        "train_examples": len(train_idx),
        "test_examples": len(test_idx),
        "languages": len(holdout),
        "worst_language": worst,
        "max_gap_to_english": max((r["gap_to_english"] for r in holdout.values()), default=0.0),
        "language_id_3plus_words": _rate([language_of(s.text) == s.language for s in pooled]),
        "holdout": holdout,
        "scenario_openings": scenarios,
    }


def main_table(result: dict[str, Any]) -> list[list[str]]:
    """Rows for a per-language table: language, held-out intent accuracy, gap to English,
    scenario-opening accuracy, language id (3+ words, 2 words)."""

    def fmt(v: Any) -> str:
        return "-" if v is None else f"{v:.3f}"

    rows = []
    for lang, row in result["holdout"].items():
        scen = result["scenario_openings"].get(lang, {})
        rows.append(
            [
                lang,
                fmt(row["intent_accuracy"]),
                fmt(row["gap_to_english"]),
                fmt(scen.get("intent_accuracy")),
                fmt(row["language_id_3plus_words"]),
                fmt(scen.get("language_id_3plus_words")),
                fmt(row["language_id_2_words"]),
            ]
        )
    return rows
