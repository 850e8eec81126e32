"""Language identification: our model against lingua on the scenario openings.

    .venv/bin/pip install -e '.[bench]'   # lingua, for the comparison only
    .venv/bin/python bench/language_id.py [--json]

The scenario suite's first messages were written apart from the training data, so they
are a fair test. Prints accuracy on messages of 3+ words and of 2 words, per language and
overall, and the time per message, for our identifier and (if installed) lingua with all
35 languages preloaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.table import Table

from deskpilot.config import get_settings
from deskpilot.domain.markets import LANGUAGES
from deskpilot.nlu.evaluation import Sample, scenario_openings
from deskpilot.nlu.language import word_count
from deskpilot.runtime import language_identifier

console = Console(stderr=True)


def measure(samples: list[Sample], detect: Callable[[str], str]) -> dict[str, Any]:
    long: dict[str, list[bool]] = defaultdict(list)
    short: dict[str, list[bool]] = defaultdict(list)
    started = time.perf_counter()
    for s in samples:
        words = word_count(s.text)
        hit = detect(s.text) == s.language
        if words >= 3:
            long[s.language].append(hit)
        elif words == 2:
            short[s.language].append(hit)
    per_message_ms = (time.perf_counter() - started) * 1000 / len(samples)

    def rate(groups: dict[str, list[bool]]) -> float:
        hits = [h for g in groups.values() for h in g]
        return round(sum(hits) / len(hits), 4) if hits else 0.0

    return {
        "accuracy_3plus_words": rate(long),
        "accuracy_2_words": rate(short),
        "messages_3plus": sum(len(g) for g in long.values()),
        "ms_per_message": round(per_message_ms, 3),
        "per_language_3plus": {k: round(sum(v) / len(v), 4) for k, v in sorted(long.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    samples = scenario_openings()
    ours = language_identifier(get_settings())
    results = {"deskpilot": measure(samples, lambda t: ours.detect(t).language)}
    try:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
    except ImportError:
        console.print("lingua not installed: pip install -e '.[bench]' to compare")
    else:
        langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in LANGUAGES]
        with console.status("Loading lingua's models for 35 languages..."):
            detector = (
                LanguageDetectorBuilder.from_languages(*langs)
                .with_preloaded_language_models()
                .build()
            )

        def lingua_detect(text: str) -> str:
            found = detector.detect_language_of(text)
            return found.iso_code_639_1.name.lower() if found else ""

        results["lingua"] = measure(samples, lingua_detect)
    if args.json:
        sys.stdout.write(json.dumps(results, indent=2) + "\n")
        return
    table = Table("language", *results)
    for lang in sorted(LANGUAGES):
        table.add_row(
            lang, *(str(r["per_language_3plus"].get(lang, "-")) for r in results.values())
        )
    for key in ("accuracy_3plus_words", "accuracy_2_words", "messages_3plus", "ms_per_message"):
        table.add_row(key, *(str(r[key]) for r in results.values()))
    console.print(table)


if __name__ == "__main__":
    main()
