"""Runs the scenario suite: simulated customers talk to the assistant through its API.

Each scenario gets a fresh customer built with the seeder's builder; the simulated
customer sends its opening message(s) and answers the assistant's questions from
what it knows. The outcome is judged from the audit log and the final account state.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from deskpilot.db import models as m
from deskpilot.db.engine import Database
from deskpilot.domain.actions import REGISTRY, Actor
from deskpilot.engine._context import lookup
from deskpilot.engine.assistant import Assistant, Reply
from deskpilot.errors import DeskPilotError
from deskpilot.evaluation.scenario import Scenario
from deskpilot.nlu.lexicon import SIMULATED, simulated_customer
from deskpilot.seed import build_customer as seed_customer

EVAL_TODAY = date(2026, 6, 15)
EVAL_NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
MAX_EXCHANGES = 8


@dataclass
class Result:
    scenario: str
    inquiry: str
    language: str
    variant: int
    outcome: str  # resolved, handoff_expected, handoff, failed
    actions: list[str]
    wrong_actions: list[str]
    handoff: str | None
    turns: int
    latencies: list[float]
    problems: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    # What the conversation spent on a language model (LLM understanding only).
    llm_tokens: tuple[int, int] = (0, 0)  # prompt, completion
    llm_cost: float = 0.0


def build_customer(db: Database, scenario: Scenario) -> tuple[int, dict[str, Any]]:
    """Create the scenario's customer; return its id and the facts the customer knows."""
    spec = scenario.customer
    built = seed_customer(
        db,
        spec.orders,
        today=EVAL_TODAY,
        country=spec.country,
        verified=spec.verified,
        card=spec.card,
        seed=spec.seed,
        language=spec.language,
    )
    facts: dict[str, Any] = {f"order{i}": ref for i, ref in enumerate(built.orders)}
    facts.update({f"card{i}": last4 for i, last4 in enumerate(built.cards)})
    facts["email"] = built.email
    facts["foreign_order"] = _foreign_order(db, built.customer_id)
    return built.customer_id, facts


def _foreign_order(db: Database, customer_id: int) -> str:
    """An order reference that exists but belongs to someone else (made on first need)."""
    with db.session() as s:
        ref = s.scalar(select(m.Order.reference).where(m.Order.customer_id != customer_id).limit(1))
    if ref:
        return str(ref)
    return seed_customer(db, ["delivered_recent"], today=EVAL_TODAY, seed=99).orders[0]


def _yaml_bool(value: Any) -> Any:
    """YAML reads a bare yes/no as a boolean; the simulated customer means the words."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return [_yaml_bool(v) for v in value]
    return value


def _subst(value: Any, facts: dict[str, Any]) -> Any:
    if isinstance(value, str):
        for key in sorted(facts, key=len, reverse=True):
            value = value.replace(f"${key}", str(facts[key]))
        return value
    if isinstance(value, dict):
        return {k: _subst(v, facts) for k, v in value.items()}
    if isinstance(value, list):
        return [_subst(v, facts) for v in value]
    return value


class ScenarioRunner:
    """Plays scenarios against an assistant and judges the outcomes."""

    def __init__(self, db: Database, assistant: Assistant) -> None:
        self.db = db
        self.assistant = assistant

    def run(self, scenario: Scenario, variant: int = 0) -> Result:
        cid, facts = build_customer(self.db, scenario)
        lang = scenario.language
        reply = self.assistant.start(cid)
        conv = reply.conversation_id
        transcript = [f"BOT: {t}" for t in reply.messages]
        latencies: list[float] = []
        keys: list[str] = list(reply.keys)
        handoff: str | None = None
        sent = 0

        def send(text: str) -> Reply:
            nonlocal sent, handoff
            sent += 1
            transcript.append(f"CUSTOMER: {text}")
            r = self.assistant.handle(conv, cid, text)
            latencies.append(r.latency_ms)
            keys.extend(r.keys)
            transcript.extend(f"BOT: {t}" for t in r.messages)
            handoff = handoff or r.handoff
            return r

        answers = {k: list(v) if isinstance(v, list) else v for k, v in scenario.answers.items()}
        for i in range(len(scenario.turns)):
            reply = send(_subst(scenario.phrasing(i, variant), facts))
            if not scenario.interrupts(i + 1):
                reply = self._answer_questions(scenario, answers, facts, reply, send)
            if handoff:
                break
        if (
            not handoff
            and reply.awaiting is not None
            and reply.awaiting.kind in ("anything_else", "offer_flow")
        ):
            send(simulated_customer(lang, "no_thanks"))
        self.assistant.end(conv, cid)
        result = self._judge(
            scenario, variant, cid, conv, facts, handoff, sent, latencies, transcript, keys
        )
        result.llm_tokens, result.llm_cost = self._llm_usage(conv)
        return result

    def _llm_usage(self, conv: str) -> tuple[tuple[int, int], float]:
        """Tokens and cost the conversation recorded in its state (0 in embedded mode)."""
        with self.db.session() as s:
            state = s.scalar(select(m.Conversation.state).where(m.Conversation.public_id == conv))
        state = state or {}
        tokens = (
            int(state.get("llm_prompt_tokens", 0)),
            int(state.get("llm_completion_tokens", 0)),
        )
        return tokens, float(state.get("llm_cost", 0.0))

    def _answer_questions(
        self,
        scenario: Scenario,
        answers: dict[str, Any],
        facts: dict[str, Any],
        reply: Reply,
        send: Callable[[str], Reply],
    ) -> Reply:
        """Answer what the assistant asks from what the customer knows (lists in order)."""
        lang = scenario.language
        for _ in range(MAX_EXCHANGES):
            aw = reply.awaiting
            if reply.handoff or aw is None or aw.kind == "anything_else":
                return reply
            if aw.kind in ("confirm", "offer_human", "offer_flow"):
                key, fallback = aw.kind, "yes" if aw.kind == "confirm" else "no"
            elif aw.slot == "__intent__":
                key, fallback = "clarify", "dont_know"
            else:
                key = aw.slot if aw.slot in answers else (aw.slot_type or "")
                fallback = "dont_know"
            said = answers.get(key, fallback)
            if isinstance(said, list):
                said = said.pop(0) if len(said) > 1 else (said[0] if said else fallback)
            said = _yaml_bool(said)
            said = (
                simulated_customer(lang, str(said))
                if str(said) in SIMULATED
                else _subst(str(said), facts)
            )
            reply = send(said)
        return reply

    def _executed(self, conv: str) -> list[tuple[str, dict[str, Any]]]:
        with self.db.session() as s:
            rows = s.execute(
                select(m.AuditEntry.action, m.AuditEntry.arguments)
                .where(
                    m.AuditEntry.actor_id == f"assistant:{conv}",
                    m.AuditEntry.outcome == "ok",
                )
                .order_by(m.AuditEntry.id)
            ).all()
        return [
            (a, args)
            for a, args in rows
            if a in REGISTRY and not REGISTRY[a].is_lookup and a != "create_ticket"
        ]

    def _judge(
        self,
        scenario: Scenario,
        variant: int,
        cid: int,
        conv: str,
        facts: dict[str, Any],
        handoff: str | None,
        sent: int,
        latencies: list[float],
        transcript: list[str],
        keys: list[str],
    ) -> Result:
        expect = scenario.expect
        executed = self._executed(conv)
        expected = [(a.name, _subst(a.args, facts)) for a in expect.action_specs()]
        wrong, remaining = [], list(expected)
        for name, args in executed:
            match = next(
                (
                    e
                    for e in remaining
                    if e[0] == name and all(args.get(k) == v for k, v in e[1].items())
                ),
                None,
            )
            if match is None:
                wrong.append(name)
            else:
                remaining.remove(match)
        problems = [f"missing action {n} {a}" for n, a in remaining]
        problems += [f"wrong action {w}" for w in wrong]
        problems += self._check_state(scenario, cid, facts)
        if expect.says:
            # a key also says its parents: 'document.ready.receipt' is a 'document.ready'
            seen = {k.rsplit(".", n)[0] for k in keys for n in range(k.count(".") + 1)}
            problems += [f"did not say {k}" for k in expect.says if k not in seen]
        want_handoff = expect.handoff
        if handoff and want_handoff and (want_handoff is True or want_handoff == handoff):
            outcome = "handoff_expected" if not wrong else "failed"
        elif handoff:
            outcome = "handoff"
        elif want_handoff:
            outcome, problems = "failed", [*problems, "expected a handoff"]
        else:
            outcome = "resolved" if not problems else "failed"
        return Result(
            scenario.id,
            scenario.inquiry,
            scenario.language,
            variant,
            outcome,
            [n for n, _ in executed],
            wrong,
            handoff,
            sent,
            latencies,
            problems,
            transcript,
        )

    def _check_state(self, scenario: Scenario, cid: int, facts: dict[str, Any]) -> list[str]:
        problems = []
        for check in scenario.expect.checks:
            try:
                out = self.assistant.service.run(
                    check.lookup, Actor.system(cid, "evaluation"), _subst(check.args, facts)
                )
            except DeskPilotError as exc:
                problems.append(f"check {check.lookup} failed: {exc.message}")
                continue
            got = lookup(out.model_dump(mode="json"), check.path)
            want = _subst(check.equals, facts)
            if got != want:
                problems.append(f"{check.lookup}.{check.path} is {got!r}, expected {want!r}")
        return problems


def summarise(results: list[Result]) -> dict[str, Any]:
    """The suite's figures: automation, correctness, wrong actions, handoffs, latency."""
    n = len(results) or 1
    outcomes = Counter(r.outcome for r in results)
    lat = sorted(x for r in results for x in r.latencies)

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(len(lat) * p))], 2) if lat else 0.0

    by_lang: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_lang[r.language].append(r)
    languages = {
        lang: {
            "runs": len(rs),
            "automation_rate": round(sum(r.outcome == "resolved" for r in rs) / len(rs), 4),
            "correct_resolution_rate": round(
                sum(r.outcome in ("resolved", "handoff_expected") for r in rs) / len(rs), 4
            ),
            "wrong_action_count": sum(len(r.wrong_actions) for r in rs),
            "failed": sum(r.outcome == "failed" for r in rs),
        }
        for lang, rs in sorted(by_lang.items())
    }
    worst = min(
        languages,
        key=lambda k: (languages[k]["correct_resolution_rate"], languages[k]["automation_rate"]),
        default=None,
    )
    return {
        "scenarios": len({r.scenario for r in results}),
        "runs": len(results),
        "automation_rate": round(outcomes["resolved"] / n, 4),
        "correct_resolution_rate": round(
            (outcomes["resolved"] + outcomes["handoff_expected"]) / n, 4
        ),
        "wrong_action_count": sum(len(r.wrong_actions) for r in results),
        "handoff_rate": round((outcomes["handoff"] + outcomes["handoff_expected"]) / n, 4),
        "failed": outcomes["failed"],
        "mean_turns": round(statistics.mean(r.turns for r in results), 2) if results else 0,
        "p50_turn_ms": pct(0.5),
        "p99_turn_ms": pct(0.99),
        "worst_language": worst,
        "by_language": languages,
    }


def llm_figures(results: list[Result], stats: dict[str, Any]) -> dict[str, Any]:
    """LLM mode's figures: model calls, turns that used the model's reading, retries,
    fallbacks to the embedded understanding (by reason), and tokens and cost as the
    conversations recorded them."""
    prompt = sum(r.llm_tokens[0] for r in results)
    completion = sum(r.llm_tokens[1] for r in results)
    n = len(results) or 1
    return {
        "llm_calls": stats["calls"],
        "llm_used": stats["used"],
        "llm_retries": stats["retries"],
        "llm_fallbacks": stats["fallbacks"],
        "llm_fallback_reasons": stats["fallback_reasons"],
        "llm_deterministic": stats["deterministic"],
        "llm_prompt_tokens": prompt,
        "llm_completion_tokens": completion,
        "llm_tokens_per_conversation": round((prompt + completion) / n, 1),
        "llm_cost": round(sum(r.llm_cost for r in results), 6),
    }
