"""What the dashboard, the CSV export and the HTML report show (one computed object)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["none", "minor", "major", "critical"]
SEVERITIES: tuple[Severity, ...] = ("none", "minor", "major", "critical")
Bucket = Literal["minute", "hour", "day"]


class Filters(BaseModel):
    """Which conversations count: started in [start, end), optionally one slice."""

    start: datetime
    end: datetime
    language: str | None = None
    market: str | None = None  # the customer's country, e.g. "SE"
    intent: str | None = None  # the conversation's topic (its last understood intent)
    channel: str | None = None


class Rate(BaseModel):
    """count of total, with a 95 % Wilson interval (None when total is 0)."""

    count: int
    total: int
    rate: float | None
    low: float | None
    high: float | None


class Quantiles(BaseModel):
    n: int
    median: float | None
    p90: float | None
    mean: float | None


class Csat(BaseModel):
    """Ratings 1-5: mean with a 95 % interval, distribution, share satisfied (4-5)."""

    n: int
    mean: float | None
    low: float | None
    high: float | None
    distribution: dict[int, int] = Field(default_factory=dict)  # score -> count, 1..5
    satisfied: Rate


class Quality(BaseModel):
    """From reviews: share of reviewed conversations with an error, and how severe."""

    reviewed: int
    error_rate: Rate  # severity other than "none"
    severity: dict[str, int] = Field(default_factory=dict)  # none/minor/major/critical -> count
    severity_score: float | None  # mean of none=0, minor=1, major=2, critical=3


class Side(BaseModel):
    """One kind of handling: "assistant" (no human needed) or "human" (an agent took it)."""

    handled_by: Literal["assistant", "human"]
    conversations: int  # ended conversations handled this way
    resolution_seconds: Quantiles  # start of the conversation to its end
    first_response_seconds: Quantiles  # customer's first message (assistant) or the
    # handoff (human) to the first answer from whoever handles it
    handling_seconds: Quantiles  # human only: claim to close (the agent's work)
    csat: Csat
    repeat_contacts: Rate  # same customer, same intent or order, within 7 days after it ended
    quality: Quality


class Workload(BaseModel):
    """Full-time-equivalent work and cost: what the assistant saved the operator."""

    assistant_resolved: int
    human_handled: int
    human_average_handling_seconds: float | None  # measured: claim to close
    hours_saved: float | None
    period_months: float
    productive_hours_per_agent_month: float
    fte: float | None  # hours_saved / (productive hours per month x months in period)
    currency: str
    cost_per_human_contact: float
    cost_per_assistant_conversation: float
    budget: float  # every ended conversation handled by a human
    actual: float  # human-handled x human cost + assistant-resolved x assistant cost + LLM
    saved: float  # budget - actual
    llm_conversations: int = 0  # ended conversations that used the language model
    llm_tokens: int = 0
    llm_cost: float = 0.0  # in the currency above, from the configured token prices
    llm_tokens_per_conversation: float | None = None  # over conversations that used it


class SeriesPoint(BaseModel):
    start: datetime
    conversations: int
    automated: int
    human: int
    csat_mean: float | None


class Slice(BaseModel):
    """One row of a breakdown (by language, market, intent or channel)."""

    key: str
    conversations: int
    automation: Rate
    handoff: Rate
    csat_assistant: float | None
    csat_human: float | None
    resolution_mean_assistant: float | None  # seconds; means, so slices add up cheaply
    resolution_mean_human: float | None
    repeat_assistant: Rate
    repeat_human: Rate
    error_assistant: Rate
    error_human: Rate


class Alert(BaseModel):
    """The assistant does worse than people on reviewed conversations of one slice."""

    dimension: Literal["intent", "language"]
    key: str
    metric: Literal["error_rate", "severity"]
    assistant: float
    human: float
    assistant_reviewed: int
    human_reviewed: int
    message: str


class Dashboard(BaseModel):
    filters: Filters
    generated_at: datetime
    conversations: int  # started in the period
    ended: int
    open: int
    automation: Rate  # ended without a human, of ended
    handoff: Rate  # ended with a handoff requested, of ended
    unattended: int  # handed off but ended before any agent claimed it
    handoff_reasons: dict[str, int] = Field(default_factory=dict)
    assistant: Side
    human: Side
    workload: Workload
    bucket: Bucket
    series: list[SeriesPoint] = Field(default_factory=list)
    by_language: list[Slice] = Field(default_factory=list)
    by_market: list[Slice] = Field(default_factory=list)
    by_intent: list[Slice] = Field(default_factory=list)
    by_channel: list[Slice] = Field(default_factory=list)
    alerts: list[Alert] = Field(default_factory=list)
