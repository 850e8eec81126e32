"""The embedded understanding: language id, intent classifier, entities, lexicons.

Runs offline in a few milliseconds. It turns one message into engine commands, using
the dialogue state to read short answers ("yes", "the second one", "DP-100123") as
answers to the question the assistant asked.
"""

from __future__ import annotations

from typing import Any, Protocol

from deskpilot.engine.commands import (
    CancelFlow,
    CannotHandle,
    ChitChat,
    Clarify,
    Command,
    Confirm,
    CorrectSlot,
    Deny,
    HumanHandoff,
    KnowledgeQuestion,
    SetSlot,
    StartFlow,
)
from deskpilot.engine.flows import load_flows
from deskpilot.engine.understanding import MessageContext, Understood
from deskpilot.nlu import lexicon as lx
from deskpilot.nlu.entities import Entity, extract
from deskpilot.nlu.language import LanguageIdentifier
from deskpilot.nlu.slot_answers import resolve_answer
from deskpilot.nlu.text import HANGUL, UNSPACED

OUT_OF_SCOPE = "out_of_scope"
# Intents that start a flow: exactly the flows defined in engine/flows/*.yaml.
FLOW_INTENTS = frozenset(load_flows())
# Requests that overlap: a second one of the same group in one message is the same request.
RELATED = [
    {"card_freeze", "card_lost_stolen"},
    {"open_dispute", "unrecognized_charge"},
    {"pay_now", "payment_schedule"},
    {"payment_declined", "change_payment_method"},
]
# Intents that say what a question is about (to find an article in another language).
TOPICS = FLOW_INTENTS | {"human_agent"}
START_CONFIDENCE = 0.45  # below this a flow intent is not started without asking
CLARIFY_CONFIDENCE = 0.2  # between the two, ask which of the top intents was meant


class Classifier(Protocol):
    def predict_one(self, text: str) -> tuple[str, float, list[tuple[str, float]]]: ...


class EmbeddedUnderstanding:
    """Understanding from trained models and rules; no LLM, no network."""

    def __init__(self, classifier: Classifier, language_id: LanguageIdentifier) -> None:
        self.classifier = classifier
        self.language_id = language_id

    def understand(self, text: str, ctx: MessageContext) -> Understood:
        state = ctx.state
        text = lx.normalize(text)
        detected = self.language_id.detect(text, state.language)
        entities = extract(
            text, today=ctx.today, locale=ctx.locale, region=ctx.region, currency=ctx.currency
        )
        intent, confidence, alternatives = self.classifier.predict_one(text)
        langs = tuple(dict.fromkeys((state.language, detected.language)))
        intent = _refine(text, intent, confidence, alternatives, entities, langs)
        out = Understood(
            detected.language,
            detected.switched,
            intent,
            confidence,
            alternatives,
            [e.to_json() for e in entities],
        )
        commands = self._commands(text, ctx, intent, confidence, alternatives, entities, langs)
        # Out of scope has no topic: the help centre must not answer it with a near article.
        ranked = () if intent == OUT_OF_SCOPE else (intent, *(a for a, _ in alternatives))
        topics = [i for i in dict.fromkeys(ranked) if i in TOPICS]
        out.commands = [
            c.model_copy(update={"topics": topics})
            if isinstance(c, KnowledgeQuestion) and not c.topics
            else c
            for c in commands
        ]
        return out

    def _commands(
        self,
        text: str,
        ctx: MessageContext,
        intent: str,
        confidence: float,
        alternatives: list[tuple[str, float]],
        entities: list[Entity],
        langs: tuple[str, ...],
    ) -> list[Command]:
        if lx.contains(text, "hardship", langs):
            return [HumanHandoff(reason="vulnerability")]
        awaiting = ctx.state.awaiting
        if awaiting is not None and awaiting.kind == "slot":
            value = resolve_answer(text, awaiting, entities, langs)
            if value is not None:
                return [SetSlot(slot=awaiting.slot or "", value=value)]
        signal = _signals(text, intent, confidence, langs)
        if signal is not None:
            return [signal]
        refused = ctx.state.refused
        waiting = ctx.state.awaiting
        if refused and (waiting is None or waiting.kind in ("anything_else", "offer_flow")):
            retry = _retry_after_refusal(text, refused, entities, langs)
            if retry is not None:
                return [retry]
            if lx.contains(text, "insist", langs) or intent == refused.get("flow"):
                return [HumanHandoff(reason="policy_insist")]
        correction = _correction(text, ctx, entities, langs)
        if correction is not None:
            return [correction]
        current = ctx.state.frame.flow if ctx.state.frame else ""
        if ctx.state.frame is not None and (
            (
                lx.is_short_answer(text, "cancel", langs, 5)
                and (intent not in FLOW_INTENTS or intent == current)
            )
            or (lx.word_count(text) <= 8 and lx.contains_any(text, lx.cancel_phrases(langs)))
        ):
            return [Deny() if awaiting is not None and awaiting.kind == "confirm" else CancelFlow()]
        if awaiting is not None:
            answer = self._answer(text, ctx, intent, entities, langs)
            if answer is not None:
                return answer
        commands = self._by_intent(text, intent, confidence, alternatives, entities, langs)
        if (
            awaiting is not None
            and awaiting.kind in ("confirm", "slot")
            and not isinstance(commands[0], StartFlow | HumanHandoff)
        ):
            return [CannotHandle(reason="unclear_answer")]
        return commands

    def _answer(
        self,
        text: str,
        ctx: MessageContext,
        intent: str,
        entities: list[Entity],
        langs: tuple[str, ...],
    ) -> list[Command] | None:
        """Read the message as an answer to the pending question, if it is one."""
        awaiting = ctx.state.awaiting
        assert awaiting is not None
        said_yes, said_no = lx.yes_or_no(text, langs)
        yes = said_yes or (intent == "affirm" and not said_no)
        no = said_no or (intent == "deny" and not said_yes)
        if awaiting.kind in ("anything_else", "offer_human", "offer_flow") and (
            intent == "goodbye"
            or lx.contains(text, "goodbye", langs)
            or lx.is_short_answer(text, "no", langs, 6)
        ):
            return [Deny()]
        if awaiting.kind in ("confirm", "anything_else", "offer_human", "offer_flow"):
            if yes and not no:
                return [Confirm()]
            if no:
                return [Deny()]
            return None
        value = resolve_answer(text, awaiting, entities, langs)
        if value is not None:
            return [SetSlot(slot=awaiting.slot or "", value=value)]
        first_word = lx.fold(text).split()[0].strip(",.!") if text.split() else ""
        if no and (lx.word_count(text) <= 3 or lx.is_short_answer(first_word, "no", langs)):
            return [CancelFlow()]
        return None

    def _by_intent(
        self,
        text: str,
        intent: str,
        confidence: float,
        alternatives: list[tuple[str, float]],
        entities: list[Entity],
        langs: tuple[str, ...],
    ) -> list[Command]:
        if lx.contains(text, "policy_question", langs) and not any(
            e.type == "order_reference" for e in entities
        ):
            return [KnowledgeQuestion(query=text, fallback=intent)]
        if intent in FLOW_INTENTS and confidence >= START_CONFIDENCE:
            second = self._second_request(text, intent, langs)
            if second is None:
                return [StartFlow(flow=intent, slots=prefill(text, entities, langs))]
            label, own_part = second
            rest = text.replace(own_part, " ")
            flows: list[Command] = [
                StartFlow(
                    flow=intent,
                    slots=prefill(rest, [e for e in entities if e.text in rest], langs),
                ),
                StartFlow(
                    flow=label,
                    slots=prefill(own_part, [e for e in entities if e.text in own_part], langs),
                ),
            ]
            if text.find(own_part) < text.find(rest.strip()[:20]):
                flows.reverse()  # do them in the order the customer asked
            return flows
        if any(e.type == "order_reference" for e in entities) and intent not in (
            "policy_question",
            "human_agent",
            "complaint",
            "affirm",
            "deny",
        ):
            flow = (
                intent
                if intent in FLOW_INTENTS and confidence >= CLARIFY_CONFIDENCE
                else "order_status"
            )
            return [StartFlow(flow=flow, slots=prefill(text, entities, langs))]
        if intent == "policy_question" and confidence >= START_CONFIDENCE:
            return [KnowledgeQuestion(query=text)]
        if intent == "thanks" and lx.contains(text, "goodbye", langs):
            return [ChitChat(act="goodbye")]
        if intent in ("greeting", "thanks", "goodbye") and confidence >= START_CONFIDENCE:
            return [ChitChat.model_validate({"act": intent})]
        if intent == "affirm" and confidence >= START_CONFIDENCE:
            return [Confirm()]
        if intent == "deny" and confidence >= START_CONFIDENCE:
            return [Deny()]
        options = [
            a
            for a, c in alternatives
            if (a in FLOW_INTENTS or a == "policy_question") and c >= CLARIFY_CONFIDENCE
        ][:2]
        if intent == OUT_OF_SCOPE or (intent in FLOW_INTENTS and confidence < CLARIFY_CONFIDENCE):
            return [KnowledgeQuestion(query=text)]  # the help centre may still know
        if options:
            return [Clarify(options=options)]
        return [KnowledgeQuestion(query=text)]

    def _second_request(
        self, text: str, first: str, langs: tuple[str, ...]
    ) -> tuple[str, str] | None:
        """A second, different request in the same message ('...and where is my refund'):
        its intent and the part of the message that asks for it."""
        parts = [p for p in lx.split_pattern(langs).split(text) if p and _long_enough(p)]
        if not 2 <= len(parts) <= 3:  # a long story is one request told at length
            return None
        for part in parts:
            label, conf, _ = self.classifier.predict_one(part)
            related = any(first in group and label in group for group in RELATED)
            if label in FLOW_INTENTS and label != first and not related and conf >= 0.8:
                return label, part
        return None


def _long_enough(part: str) -> bool:
    """A part of a message that can be a request of its own: three words, or two that
    carry more, in Korean (words with their particles: '카드를 잃어버렸어요') or in
    unspaced scripts ('我的卡丢了'), as against 'I lost my card'."""
    words = lx.word_count(part)
    return words >= 3 or (
        words == 2 and (len(HANGUL.findall(part)) >= 6 or len(UNSPACED.findall(part)) >= 5)
    )


ORDER_FLOWS = (
    "order_status",
    "report_return",
    "refund_status",
    "pay_now",
    "open_dispute",
    "cancel_order",
    "statement_request",
    "unrecognized_charge",
)


def _refine(
    text: str,
    intent: str,
    confidence: float,
    alternatives: list[tuple[str, float]],
    entities: list[Entity],
    langs: tuple[str, ...],
) -> str:
    """Use what the message names to settle between close intents."""
    if intent == "card_freeze" and lx.contains(text, "replacement", langs):
        return "card_lost_stolen"
    if intent == "payment_schedule" and lx.enum_value(text, "pay_scope", langs) == "plan":
        return "pay_now"
    if (
        any(e.type == "order_reference" for e in entities)
        and intent in FLOW_INTENTS
        and intent not in ORDER_FLOWS
    ):
        about_order = [a for a, c in alternatives if a in ORDER_FLOWS and c >= 0.1]
        return about_order[0] if about_order else "order_status"
    return intent


def _signals(text: str, intent: str, confidence: float, langs: tuple[str, ...]) -> Command | None:
    """Asking for a person and anger win over everything but hardship, in any flow."""
    short = lx.word_count(text) <= 6
    if (intent == "human_agent" and confidence >= 0.4) or (
        short and lx.contains(text, "human", langs)
    ):
        return HumanHandoff(reason="customer_request")
    if (intent == "complaint" and confidence >= 0.5) or lx.contains(text, "anger", langs):
        return HumanHandoff(reason="complaint")
    return None


def prefill(text: str, entities: list[Entity], langs: tuple[str, ...] = ("en",)) -> dict[str, Any]:
    """Slot values a request already carries: references, amounts, dates, closed-set words."""
    slots: dict[str, Any] = {}
    for e in entities:
        key = {
            "order_reference": "order_reference",
            "card_last4": "card_last4",
            "days": "days",
            "date": "date",
            "email": "email",
            "phone": "phone",
        }.get(e.type)
        if key and key not in slots:
            slots[key] = e.to_json()["value"]
    for enum in (
        "dispute_reason",
        "lost_or_stolen",
        "card_operation",
        "document_kind",
        "contact_field",
        "pay_scope",
    ):
        value = lx.enum_value(text, enum, langs)
        if value:
            slots[enum] = value
    if "email" in slots:
        slots.setdefault("contact_field", "email")
    if "phone" in slots:
        slots.setdefault("contact_field", "phone")
    return slots


def _retry_after_refusal(
    text: str, refused: dict[str, Any], entities: list[Entity], langs: tuple[str, ...]
) -> Command | None:
    """After a refusal, new facts ('I meant DP-100234', 'then 30 days') retry the request."""
    new = prefill(text, entities, langs)
    old = refused.get("slots", {})
    changed = {
        k: v
        for k, v in new.items()
        if k in ("order_reference", "days", "card_last4", "email", "phone") and old.get(k) != v
    }
    if not changed:
        return None
    return StartFlow(flow=str(refused.get("flow")), slots={**old, **changed})


def _correction(
    text: str, ctx: MessageContext, entities: list[Entity], langs: tuple[str, ...]
) -> Command | None:
    """'No, I meant DP-100234': a new value for a slot the running flow already has.

    While the assistant waits for an answer, naming a different value is a correction
    even without words like 'no' or 'I meant'."""
    frame = ctx.state.frame
    corrects = lx.correction_pattern(langs).search(lx.fold(text))
    if frame is None or not (corrects or ctx.state.awaiting is not None):
        return None
    for slot, value in prefill(text, entities, langs).items():
        if slot in frame.slots and frame.slots[slot] != value:
            return CorrectSlot(slot=slot, value=value)
    return None
