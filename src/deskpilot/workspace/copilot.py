"""The agent's co-pilot: a case summary, suggested replies in the customer's language,
and suggested account actions that the policies would allow. Without a language model the
summary and replies come from templates; with one (``deskpilot.llm.copilot``) the model
drafts them, and the templates stay the fallback. Actions never come from a model.

Suggestions are only ever suggestions: an action runs when the agent approves it,
through the same AccountService and policies as the assistant, audited under the agent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from deskpilot.domain.actions import AccountService, Actor
from deskpilot.engine.responses import Responses
from deskpilot.engine.state import DialogueState

if TYPE_CHECKING:
    from deskpilot.llm.copilot import Drafted


@dataclass
class Suggestion:
    action: str
    args: dict[str, Any]
    label: str


@dataclass
class Copilot:
    summary: str
    replies: list[str] = field(default_factory=list)
    actions: list[Suggestion] = field(default_factory=list)
    drafted_by: str = "templates"  # or "model": the summary or replies came from the LLM


def _summary(state: DialogueState, reason: str | None, last_customer: str, name: str) -> str:
    parts = [f"{name} ({state.language})"]
    if reason:
        parts.append(f"handed off: {reason.replace('_', ' ')}")
    if state.last_intent:
        parts.append(f"was asking about: {state.last_intent.replace('_', ' ')}")
    if state.completed:
        parts.append("the assistant completed: " + ", ".join(state.completed))
    if state.actions:
        parts.append("account changes made: " + ", ".join(state.actions))
    if state.refused:
        parts.append(f"refused by rule {state.refused.get('rule')}")
    if last_customer:
        parts.append(f'last message: "{last_customer[:200]}"')
    return "; ".join(parts) + "."


def _candidates(
    service: AccountService, actor: Actor, state: DialogueState, reason: str | None
) -> list[Suggestion]:
    out: list[Suggestion] = []
    upcoming = service.run("list_upcoming_installments", actor, {"limit": 5}).model_dump(
        mode="json"
    )["installments"]
    fees = [
        f
        for f in service.run("get_fee_history", actor, {}).model_dump(mode="json")["fees"]
        if f["status"] == "charged"
    ]
    cards = service.run("get_card_status", actor, {}).model_dump(mode="json")["cards"]
    if upcoming and reason in ("vulnerability", "policy_insist", "customer_request"):
        inst = upcoming[0]
        out.append(
            Suggestion(
                "extend_due_date",
                {"installment_id": inst["id"], "days": 30},
                f"Extend the payment due {inst['due_date']} by 30 days",
            )
        )
    if fees:
        out.append(
            Suggestion(
                "waive_late_fee",
                {"fee_id": fees[0]["id"], "idempotency_key": f"copilot-fee-{fees[0]['id']}"},
                f"Waive the late fee charged {fees[0]['charged_at'][:10]}",
            )
        )
    if state.last_intent in ("card_lost_stolen", "card_freeze", "unrecognized_charge"):
        for card in cards:
            if card["status"] == "active":
                out.append(
                    Suggestion(
                        "freeze_card",
                        {"card_id": card["id"]},
                        f"Freeze the {card['kind']} card ending {card['last4']}",
                    )
                )
    return out


def build(
    service: AccountService,
    responses: Responses,
    actor: Actor,
    state: DialogueState,
    reason: str | None,
    last_customer: str,
    first_name: str,
    locale: str,
) -> Copilot:
    """Summary, replies and the suggested actions that pass a policy preflight."""
    lang = state.language
    params = {"first_name": first_name}
    replies = [responses.render("agent.greeting", lang, locale, params)]
    if reason in ("vulnerability", "complaint"):
        replies.append(responses.render("agent.empathy", lang, locale, params))
    replies.append(responses.render("agent.anything_else", lang, locale, params))
    suggestions = [
        s
        for s in _candidates(service, actor, state, reason)
        if service.check(s.action, actor, s.args) is None
    ]
    return Copilot(_summary(state, reason, last_customer, first_name), replies, suggestions)


def with_drafts(pilot: Copilot, drafted: Drafted | None) -> Copilot:
    """``pilot`` with the model's summary and replies where it gave them; the suggested
    actions stay the deterministic ones."""
    if drafted is None or not (drafted.summary or drafted.replies):
        return pilot
    return replace(
        pilot,
        summary=drafted.summary or pilot.summary,
        replies=list(drafted.replies) or pilot.replies,
        drafted_by="model",
    )
