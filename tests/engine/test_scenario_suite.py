"""The scenario suite: the project's goals, asserted on every run."""

from __future__ import annotations

from typing import Any

from deskpilot.clock import FixedClock
from deskpilot.db import Database
from deskpilot.domain.markets import LANGUAGES
from deskpilot.engine.assistant import Assistant
from deskpilot.evaluation.runner import EVAL_NOW, ScenarioRunner, summarise
from deskpilot.evaluation.scenario import load_scenarios

INQUIRIES = {
    "order_status",
    "report_return",
    "refund_status",
    "payment_schedule",
    "extend_due_date",
    "pay_now",
    "change_payment_method",
    "payment_declined",
    "unrecognized_charge",
    "open_dispute",
    "cancel_order",
    "late_fee",
    "card_lost_stolen",
    "card_freeze",
    "update_personal_details",
    "close_account",
    "statement_request",
    "policy_question",
    "complaint",
    "human_agent",
}


def test_that_the_suite_covers_every_inquiry_type_with_200_scenarios() -> None:
    suite = load_scenarios()
    assert len(suite) >= 200
    assert {s.inquiry for s in suite} >= INQUIRIES


def test_that_every_inquiry_type_is_covered_in_every_language() -> None:
    covered: dict[str, set[str]] = {}
    for s in load_scenarios():
        covered.setdefault(s.language, set()).add(s.inquiry)
    assert set(covered) == set(LANGUAGES)
    for lang, inquiries in covered.items():
        assert inquiries >= INQUIRIES, f"{lang} misses {INQUIRIES - inquiries}"


def test_that_the_assistant_meets_its_goals_on_the_scenario_suite(
    sqlite_db: Database, understanding: Any
) -> None:
    assistant = Assistant(sqlite_db, understanding, clock=FixedClock(EVAL_NOW))
    runner = ScenarioRunner(sqlite_db, assistant)
    results = [runner.run(s, v) for s in load_scenarios() for v in range(s.variant_count())]
    summary = summarise(results)
    failures = [f"{r.scenario}#{r.variant}: {r.problems}" for r in results if r.outcome == "failed"]
    assert summary["wrong_action_count"] == 0, [r.scenario for r in results if r.wrong_actions]
    assert failures == []  # every scenario resolved correctly or handed off
    assert summary["automation_rate"] >= 0.70
    for lang, row in summary["by_language"].items():  # no language left behind
        assert row["automation_rate"] >= 0.70, (lang, row)
