"""The dashboard as flat tables (CSV export and the report's HTML tables)."""

from __future__ import annotations

import csv
import io
from typing import Any

from deskpilot.analytics.schema import Dashboard, Rate, Side, Slice

TABLES = (
    "summary",
    "series",
    "by_language",
    "by_market",
    "by_intent",
    "by_channel",
    "handoff_reasons",
    "alerts",
)


def build(d: Dashboard) -> dict[str, list[dict[str, Any]]]:
    return {
        "summary": _summary(d),
        "series": [p.model_dump(mode="json") for p in d.series],
        "by_language": [_slice(s) for s in d.by_language],
        "by_market": [_slice(s) for s in d.by_market],
        "by_intent": [_slice(s) for s in d.by_intent],
        "by_channel": [_slice(s) for s in d.by_channel],
        "handoff_reasons": [
            {"reason": r, "conversations": n} for r, n in d.handoff_reasons.items()
        ],
        "alerts": [a.model_dump(mode="json") for a in d.alerts],
    }


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


def _side_rows(side: Side) -> list[tuple[str, Any]]:
    q = side.quality
    return [
        ("conversations ended", side.conversations),
        ("resolution median (s)", side.resolution_seconds.median),
        ("resolution p90 (s)", side.resolution_seconds.p90),
        ("first response median (s)", side.first_response_seconds.median),
        ("first response p90 (s)", side.first_response_seconds.p90),
        ("handling time mean (s)", side.handling_seconds.mean),
        ("CSAT ratings", side.csat.n),
        ("CSAT mean", side.csat.mean),
        ("CSAT 95% low", side.csat.low),
        ("CSAT 95% high", side.csat.high),
        ("satisfied (4-5) share", side.csat.satisfied.rate),
        ("repeat-contact rate", side.repeat_contacts.rate),
        ("repeat-contact 95% low", side.repeat_contacts.low),
        ("repeat-contact 95% high", side.repeat_contacts.high),
        ("reviewed", q.reviewed),
        ("error rate (reviews)", q.error_rate.rate),
        ("mean severity (0-3)", q.severity_score),
        *[(f"severity {k}", v) for k, v in q.severity.items()],
    ]


def _summary(d: Dashboard) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"metric": "conversations started", "assistant": "", "human": "", "all": d.conversations},
        {"metric": "conversations ended", "assistant": "", "human": "", "all": d.ended},
        {"metric": "automation rate", "assistant": "", "human": "", "all": d.automation.rate},
        {"metric": "handoff rate", "assistant": "", "human": "", "all": d.handoff.rate},
        {"metric": "unattended handoffs", "assistant": "", "human": "", "all": d.unattended},
    ]
    for (name, a), (_, h) in zip(_side_rows(d.assistant), _side_rows(d.human), strict=True):
        rows.append({"metric": name, "assistant": a, "human": h, "all": ""})
    w = d.workload
    for name, value in (
        ("human average handling time (s)", w.human_average_handling_seconds),
        ("hours saved", w.hours_saved),
        ("full-time equivalents", w.fte),
        (f"budget ({w.currency})", w.budget),
        (f"actual ({w.currency})", w.actual),
        (f"saved ({w.currency})", w.saved),
        ("conversations using the LLM", w.llm_conversations),
        ("LLM tokens", w.llm_tokens),
        (f"LLM cost ({w.currency})", w.llm_cost),
        ("LLM tokens per conversation using it", w.llm_tokens_per_conversation),
    ):
        rows.append({"metric": name, "assistant": "", "human": "", "all": value})
    return rows


def _rate(prefix: str, r: Rate) -> dict[str, Any]:
    return {f"{prefix}": r.rate, f"{prefix}_n": r.total}


def _slice(s: Slice) -> dict[str, Any]:
    return {
        "key": s.key,
        "conversations": s.conversations,
        "automation_rate": s.automation.rate,
        "automation_low": s.automation.low,
        "automation_high": s.automation.high,
        "handoff_rate": s.handoff.rate,
        "csat_assistant": s.csat_assistant,
        "csat_human": s.csat_human,
        "resolution_mean_assistant_s": s.resolution_mean_assistant,
        "resolution_mean_human_s": s.resolution_mean_human,
        **_rate("repeat_rate_assistant", s.repeat_assistant),
        **_rate("repeat_rate_human", s.repeat_human),
        **_rate("error_rate_assistant", s.error_assistant),
        **_rate("error_rate_human", s.error_human),
    }
