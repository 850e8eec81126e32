"""The dashboard's figures, computed from persisted conversations and reviews.

Definitions (the report prints them too):
- a conversation counts in a period when it *started* in it; "ended" ones have finished;
- automation: ended conversations no person was asked for ("assistant"), of all ended;
- handoff: ended conversations in which a person was asked for, of all ended;
- "human": an agent claimed it; "unattended": a person was asked for but the customer
  left (or got a ticket) before any agent claimed it; both cost a human contact;
- repeat contact: the same customer came back about the same intent or order within
  7 days after the conversation ended;
- full-time equivalents: assistant-resolved conversations x the measured average human
  handling time (claim to close), over productive hours per agent-month in the period.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from deskpilot.analytics import _queries as Q
from deskpilot.analytics import _stats
from deskpilot.analytics._collect import collect
from deskpilot.analytics.schema import (
    SEVERITIES,
    Alert,
    Bucket,
    Csat,
    Dashboard,
    Filters,
    Quality,
    SeriesPoint,
    Side,
    Slice,
    Workload,
)
from deskpilot.config import Settings
from deskpilot.db import Database

log = logging.getLogger("deskpilot.analytics")
SEVERITY_SCORE = {"none": 0, "minor": 1, "major": 2, "critical": 3}
MIN_REVIEWS_FOR_ALERT = 5
ALERT_Z = 1.645  # one-sided 95 %: the assistant is worse beyond what chance explains
DAYS_PER_MONTH = 365.25 / 12
SLICE_DIMENSIONS = ("language", "market", "intent", "channel")


def compute_dashboard(db: Database, filters: Filters, settings: Settings) -> Dashboard:
    unit = bucket_for(filters)
    raw = collect(db, Q.where(filters), unit)
    agg, sev = raw.agg, raw.sev
    total = Q.merged(agg[None].values())
    ended = total.ended
    by = {h: agg[None].get(("all", h), Q.Agg()) for h in ("assistant", "human", "unattended")}
    sides = {
        "assistant": _side("assistant", by, sev[None], raw.side, "first"),
        "human": _side("human", by, sev[None], raw.side, "human_first"),
    }
    return Dashboard(
        filters=filters,
        generated_at=datetime.now(UTC),
        conversations=total.n,
        ended=ended,
        open=total.n - ended,
        automation=_stats.rate(by["assistant"].ended, ended),
        handoff=_stats.rate(total.handoff - agg[None].get(("all", "open"), Q.Agg()).handoff, ended),
        unattended=by["unattended"].ended,
        handoff_reasons=raw.reasons,
        assistant=sides["assistant"],
        human=sides["human"],
        workload=_workload(by, filters, settings),
        bucket=unit,
        series=_series(raw.points, filters, unit),
        by_language=_slices(agg["language"], sev["language"]),
        by_market=_slices(agg["market"], sev["market"]),
        by_intent=_slices(agg["intent"], sev["intent"]),
        by_channel=_slices(agg["channel"], sev["channel"]),
        alerts=[
            *_alerts("intent", sev["intent"]),
            *_alerts("language", sev["language"]),
        ],
    )


def bucket_for(filters: Filters) -> Bucket:
    span = filters.end - filters.start
    if span <= timedelta(hours=6):
        return "minute"
    return "hour" if span <= timedelta(days=7) else "day"


def _side(
    handled: str,
    by: dict[str, Q.Agg],
    sev: dict[Q.Key, Counter[str]],
    times: dict[str, dict[Q.Key, Q.Quant]],
    first_response: str,
) -> Side:
    a = by[handled]
    key = ("all", handled)
    none: Q.Quant = (0, None, None, None)
    return Side(
        handled_by=handled,
        conversations=a.ended,
        resolution_seconds=_stats.quantiles(*times["resolution"].get(key, none)),
        first_response_seconds=_stats.quantiles(*times[first_response].get(key, none)),
        handling_seconds=_stats.quantiles(*times["handling"].get(key, none)),
        csat=_csat(a),
        repeat_contacts=_stats.rate(a.repeat, a.ended),
        quality=_quality(sev.get(key, Counter())),
    )


def _csat(a: Q.Agg) -> Csat:
    mean, low, high = _stats.mean_interval(a.csat_n, a.csat_sum, a.csat_sq)
    return Csat(
        n=a.csat_n,
        mean=mean,
        low=low,
        high=high,
        distribution={score: a.csat_hist[score - 1] for score in range(1, 6)},
        satisfied=_stats.rate(a.csat_hist[3] + a.csat_hist[4], a.csat_n),
    )


def _quality(counts: Counter[str]) -> Quality:
    reviewed = sum(counts.values())
    errors = reviewed - counts.get("none", 0)
    score = sum(SEVERITY_SCORE.get(k, 0) * v for k, v in counts.items())
    return Quality(
        reviewed=reviewed,
        error_rate=_stats.rate(errors, reviewed),
        severity={k: counts.get(k, 0) for k in SEVERITIES},
        severity_score=round(score / reviewed, 3) if reviewed else None,
    )


def _workload(by: dict[str, Q.Agg], filters: Filters, settings: Settings) -> Workload:
    assistant, human = by["assistant"].ended, by["human"].ended + by["unattended"].ended
    handled = by["human"]
    aht = handled.handling_sum / handled.handling_n if handled.handling_n else None
    months = (filters.end - filters.start).total_seconds() / 86400 / DAYS_PER_MONTH
    hours = assistant * aht / 3600 if aht is not None else None
    capacity = settings.productive_hours_per_agent_month * months
    human_cost, bot_cost = settings.cost_per_human_contact, settings.cost_per_assistant_conversation
    llm = Q.merged(by.values())
    budget = (assistant + human) * human_cost
    actual = human * human_cost + assistant * bot_cost + llm.llm_cost
    return Workload(
        assistant_resolved=assistant,
        human_handled=human,
        human_average_handling_seconds=None if aht is None else round(aht, 1),
        hours_saved=None if hours is None else round(hours, 2),
        period_months=round(months, 4),
        productive_hours_per_agent_month=settings.productive_hours_per_agent_month,
        fte=None if hours is None or capacity <= 0 else round(hours / capacity, 3),
        currency=settings.cost_currency,
        cost_per_human_contact=human_cost,
        cost_per_assistant_conversation=bot_cost,
        budget=round(budget, 2),
        actual=round(actual, 2),
        saved=round(budget - actual, 2),
        llm_conversations=llm.llm_n,
        llm_tokens=llm.llm_tokens,
        llm_cost=round(llm.llm_cost, 4),
        llm_tokens_per_conversation=round(llm.llm_tokens / llm.llm_n, 1) if llm.llm_n else None,
    )


_STEP = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def _floor(t: datetime, unit: str) -> datetime:
    t = t.astimezone(UTC).replace(second=0, microsecond=0)
    if unit in ("hour", "day"):
        t = t.replace(minute=0)
    return t.replace(hour=0) if unit == "day" else t


def _series(
    points: list[tuple[datetime, str, int, float, int]], filters: Filters, unit: str
) -> list[SeriesPoint]:
    """One point per bucket of the period (empty buckets included, up to 1,000)."""
    buckets: dict[datetime, list[float]] = {}
    step, t = _STEP[unit], _floor(filters.start, unit)
    while t < filters.end and len(buckets) < 1000:
        buckets[t] = [0, 0, 0, 0.0, 0]
        t += step
    for start, handled, n, csat_sum, rated in points:
        b = buckets.setdefault(start, [0, 0, 0, 0.0, 0])
        b[0] += n
        b[1] += n if handled == "assistant" else 0
        b[2] += n if handled == "human" else 0
        b[3] += csat_sum
        b[4] += rated
    return [
        SeriesPoint(
            start=start,
            conversations=int(b[0]),
            automated=int(b[1]),
            human=int(b[2]),
            csat_mean=round(b[3] / b[4], 3) if b[4] else None,
        )
        for start, b in sorted(buckets.items())
    ]


def _slices(agg: dict[Q.Key, Q.Agg], sev: dict[Q.Key, Counter[str]]) -> list[Slice]:
    keys = sorted({k for k, _ in agg})
    out = []
    for key in keys:
        a, h = agg.get((key, "assistant"), Q.Agg()), agg.get((key, "human"), Q.Agg())
        total = Q.merged(v for (k, _), v in agg.items() if k == key)
        open_handoffs = agg.get((key, "open"), Q.Agg()).handoff
        qa, qh = (
            _quality(sev.get((key, "assistant"), Counter())),
            _quality(sev.get((key, "human"), Counter())),
        )
        out.append(
            Slice(
                key=key,
                conversations=total.n,
                automation=_stats.rate(a.ended, total.ended),
                handoff=_stats.rate(total.handoff - open_handoffs, total.ended),
                csat_assistant=_csat(a).mean,
                csat_human=_csat(h).mean,
                resolution_mean_assistant=_mean(a.res_sum, a.res_n),
                resolution_mean_human=_mean(h.res_sum, h.res_n),
                repeat_assistant=_stats.rate(a.repeat, a.ended),
                repeat_human=_stats.rate(h.repeat, h.ended),
                error_assistant=qa.error_rate,
                error_human=qh.error_rate,
            )
        )
    out.sort(key=lambda x: -x.conversations)
    return out


def _mean(total: float, n: int) -> float | None:
    return round(total / n, 3) if n else None


def _alerts(dimension: str, sev: dict[Q.Key, Counter[str]]) -> list[Alert]:
    """Slices where reviews show the assistant erring more often, or more severely,
    than people, beyond chance (one-sided 95 %, at least 5 reviews each side)."""
    out = []
    for key in sorted({k for k, _ in sev}):
        a, h = sev.get((key, "assistant"), Counter()), sev.get((key, "human"), Counter())
        n_a, n_h = sum(a.values()), sum(h.values())
        if min(n_a, n_h) < MIN_REVIEWS_FOR_ALERT:
            continue
        e_a, e_h = n_a - a.get("none", 0), n_h - h.get("none", 0)
        if _stats.two_proportion_z(e_a, n_a, e_h, n_h) > ALERT_Z:
            out.append(_alert(dimension, key, "error_rate", e_a / n_a, e_h / n_h, n_a, n_h))
        (m_a, v_a), (m_h, v_h) = _moments(a), _moments(h)
        if _stats.welch_t(m_a, v_a, n_a, m_h, v_h, n_h) > ALERT_Z:
            out.append(_alert(dimension, key, "severity", m_a, m_h, n_a, n_h))
    return out


def _moments(counts: Counter[str]) -> tuple[float, float]:
    n = sum(counts.values())
    scores = [(SEVERITY_SCORE.get(k, 0), v) for k, v in counts.items()]
    mean = sum(s * v for s, v in scores) / n
    var = sum(v * (s - mean) ** 2 for s, v in scores) / (n - 1) if n > 1 else 0.0
    return mean, var


def _alert(
    dimension: str, key: str, metric: str, assistant: float, human: float, n_a: int, n_h: int
) -> Alert:
    what = "error rate" if metric == "error_rate" else "mean severity (0-3)"
    message = (
        f"Assistant {what} for {dimension} {key}: {assistant:.2f} over {n_a} reviews, "
        f"above the human baseline {human:.2f} over {n_h} reviews"
    )
    return Alert(
        dimension=dimension,
        key=key,
        metric=metric,
        assistant=round(assistant, 4),
        human=round(human, 4),
        assistant_reviewed=n_a,
        human_reviewed=n_h,
        message=message,
    )


class AlertLog:
    """Logs each alert once per process (the dashboard recomputes every few seconds)."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str, str]] = set()

    def announce(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            key = (alert.dimension, alert.key, alert.metric)
            if key not in self._seen:
                self._seen.add(key)
                log.warning(
                    "analytics.alert %s",
                    alert.message,
                    extra={"event": "analytics.alert", "alert": alert.model_dump()},
                )


def tables(d: Dashboard) -> dict[str, list[dict[str, Any]]]:
    """Every table the dashboard shows, as rows for CSV."""
    from deskpilot.analytics._tables import build

    return build(d)
