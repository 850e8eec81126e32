"""The dialogue engine: applies understanding's commands to the state, runs flows,
and applies the patterns every conversation shares (clarify, correct, cancel,
confirm, hand off).

With a language model configured (LLM mode), ``answerer`` grounds knowledge answers in
the help centre and ``rewriter`` rephrases the turn's replies; both are checked, and on
any failure the engine says exactly what it says without a model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deskpilot.engine._context import Turn
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
from deskpilot.engine.flow_runner import FlowRunner, Outcome
from deskpilot.engine.state import Awaiting, Frame
from deskpilot.errors import DeskPilotError
from deskpilot.knowledge import Answer, HelpCentre

if TYPE_CHECKING:
    from deskpilot.llm.knowledge import GroundedAnswer, GroundedAnswerer
    from deskpilot.llm.wording import Rewriter

MAX_MISUNDERSTANDINGS = 2  # the third miss in a row goes to a person
INTENT_SLOT = "__intent__"
# Articles about something the assistant can also do: after the answer it offers to.
ARTICLE_FLOWS = {
    "returns": "report_return",
    "paying-early": "pay_now",
    "due-date-extension": "extend_due_date",
    "cancelling-an-order": "cancel_order",
    "disputes": "open_dispute",
    "closing-account": "close_account",
    "statements-and-receipts": "statement_request",
    "autopay-and-payment-methods": "change_payment_method",
    "late-fees": "late_fee",
    "refunds": "refund_status",
    "order-delivery-and-tracking": "order_status",
    "personal-details": "update_personal_details",
}
# The article about each request, for questions in languages without own articles.
TOPIC_ARTICLES = {
    **{flow: article for article, flow in ARTICLE_FLOWS.items()},
    "card_freeze": "card",
    "card_lost_stolen": "card",
    "payment_declined": "declined-payments",
    "unrecognized_charge": "unrecognised-charges",
    "payment_schedule": "pay-in-4",
    "human_agent": "talking-to-a-person",
}
OOS_KNOWLEDGE_SCORE = 0.25  # an out-of-scope message needs a clearly matching article
GROUNDING_PASSAGES = 3  # help-centre passages a grounded answer may draw on


def handoff_priority(reason: str) -> str:
    """How urgently a person should take over: hardship first, then anger."""
    return {"vulnerability": "urgent", "complaint": "high"}.get(reason, "normal")


class DialogueEngine:
    """Turns commands into replies, flow progress and (through flows) account actions."""

    def __init__(self, runner: FlowRunner, help_centre: HelpCentre) -> None:
        self.runner = runner
        self.help_centre = help_centre
        self.answerer: GroundedAnswerer | None = None  # LLM mode: grounded knowledge answers
        self.rewriter: Rewriter | None = None  # LLM mode with llm_wording: reworded replies

    def apply(self, turn: Turn, commands: list[Command], intent: str) -> None:
        """Handle one customer message's commands within ``turn``."""
        state = turn.state
        if not commands:
            commands = [CannotHandle()]
        first, rest = commands[0], commands[1:]
        queued_flows = {q["flow"] for q in state.queued}
        state.queued += [
            {"flow": c.flow, "slots": c.slots}
            for c in rest
            if isinstance(c, StartFlow) and c.flow not in queued_flows
        ]
        handled = self._command(turn, first, intent)
        if handled and state.frame is not None and state.awaiting is None and not turn.handoff:
            self._continue(turn)
        elif handled and state.frame is None and state.awaiting is None and not turn.handoff:
            self._next_queued_or_close(turn)
        if not turn.messages and not turn.handoff:  # never leave the customer unanswered
            self._missed(turn, "clarify.rephrase")
        if turn.handoff:
            self._handoff(turn, turn.handoff)
        if self.rewriter is not None:
            turn.messages = [
                self.rewriter.rewrite(
                    text, turn.language, turn.state, customer_message=turn.message
                )
                for text in turn.messages
            ]

    # -- commands -------------------------------------------------------------------------
    def _command(self, turn: Turn, cmd: Command, intent: str) -> bool:
        state = turn.state
        if isinstance(cmd, HumanHandoff):
            turn.handoff = cmd.reason
            return False
        if isinstance(cmd, StartFlow):
            return self._start(turn, cmd)
        if isinstance(cmd, SetSlot | CorrectSlot):
            return self._set_slot(turn, cmd)
        if isinstance(cmd, Confirm):
            return self._confirm(turn)
        if isinstance(cmd, Deny):
            return self._deny(turn)
        if isinstance(cmd, CancelFlow):
            if state.stack:
                state.stack.pop()
                state.awaiting = None
                turn.say("cancelled")
            return True
        if isinstance(cmd, KnowledgeQuestion):
            if (
                cmd.fallback in self.runner.flows
                and self._find_answer(turn, cmd.query, cmd.topics) is None
            ):
                return self._start(turn, StartFlow(flow=cmd.fallback))
            return self._knowledge(turn, cmd.query, intent, cmd.topics)
        if isinstance(cmd, ChitChat):
            return self._chitchat(turn, cmd.act)
        if isinstance(cmd, Clarify):
            return self._clarify(turn, cmd.options)
        unclear = isinstance(cmd, CannotHandle) and cmd.reason == "unclear_answer"
        self._missed(turn, "slot.repeat" if unclear else "cannot_handle")
        return False

    def _start(self, turn: Turn, cmd: StartFlow) -> bool:
        state = turn.state
        refused = state.refused
        if (
            refused
            and refused.get("flow") == cmd.flow
            and all(refused.get("slots", {}).get(k) == v for k, v in cmd.slots.items())
        ):
            turn.handoff = "policy_insist"  # the same request again after a refusal
            return False
        state.refused = None
        if state.frame is not None and state.frame.flow == cmd.flow:
            new = {
                k: v
                for k, v in cmd.slots.items()
                if v is not None and state.frame.slots.get(k) != v
            }
            if not new and state.awaiting is not None:  # the same request, not an answer
                state.misunderstandings += 1
                if state.misunderstandings > MAX_MISUNDERSTANDINGS:
                    turn.handoff = "misunderstanding"
                    return False
            state.awaiting = None
            state.frame.slots.update(new)
            return True
        state.misunderstandings = 0
        state.awaiting = None
        frame = Frame(flow=cmd.flow, instance=state.next_instance, slots=dict(cmd.slots))
        frame.data["message"] = turn.message[:2000]
        state.next_instance += 1
        state.stack.append(frame)
        state.last_intent = cmd.flow
        return True

    def _set_slot(self, turn: Turn, cmd: SetSlot | CorrectSlot) -> bool:
        state = turn.state
        if cmd.slot == INTENT_SLOT:
            state.awaiting = None
            chosen, original = str(cmd.value), state.clarify_text or turn.message
            state.clarify_text = None
            if chosen in self.runner.flows:
                return self._start(turn, StartFlow(flow=chosen))
            if chosen == "policy_question":
                return self._knowledge(turn, original, chosen, [])
            turn.handoff = "complaint" if chosen == "complaint" else "customer_request"
            return False
        frame = state.frame
        if frame is None:
            return False
        state.awaiting = None
        state.misunderstandings = 0
        frame.slots[cmd.slot] = cmd.value
        if isinstance(cmd, CorrectSlot):
            steps = self.runner.flows[frame.flow].steps
            frame.step = (
                next(i for i, s in enumerate(steps) if s.collect == cmd.slot)
                if any(s.collect == cmd.slot for s in steps)
                else frame.step
            )
            frame.confirmed = []
        return True

    def _confirm(self, turn: Turn) -> bool:
        state = turn.state
        awaiting = state.awaiting
        state.awaiting = None
        if awaiting and awaiting.kind == "confirm" and state.frame is not None:
            state.frame.confirmed.append(state.frame.step)
            return True
        if awaiting and awaiting.kind == "offer_human":
            turn.handoff = "customer_request"
            return False
        if awaiting and awaiting.kind == "anything_else":
            turn.say("greeting.again")
            return False
        if awaiting and awaiting.kind == "offer_flow" and awaiting.slot:
            return self._start(turn, StartFlow(flow=awaiting.slot))
        return True

    def _deny(self, turn: Turn) -> bool:
        state = turn.state
        awaiting = state.awaiting
        state.awaiting = None
        frame = state.frame
        if awaiting and awaiting.kind == "confirm" and frame is not None:
            step = self.runner.flows[frame.flow].steps[frame.step]
            if step.on_deny and step.on_deny.get("start"):
                frame.flow, frame.step, frame.confirmed = step.on_deny["start"], 0, []
                frame.slots.update(step.on_deny.get("slots", {}))
                return True
            state.stack.pop()
            turn.say("not_done")
            return True
        if awaiting and awaiting.kind == "offer_flow":
            turn.ask("anything_else", Awaiting(kind="anything_else"))
            return False
        if awaiting and awaiting.kind in ("anything_else", "offer_human"):
            turn.say("goodbye.reply")
            return False
        return True

    def _find_answer(self, turn: Turn, query: str, topics: list[str]) -> Answer | None:
        """The help centre's answer in the customer's language; where it has no articles in
        that language, the English article about the topic the question is about."""
        if turn.language in self.help_centre.languages():
            return self.help_centre.answer(query, turn.language)
        for topic in topics:
            if topic in TOPIC_ARTICLES:
                return self.help_centre.lead(TOPIC_ARTICLES[topic])
        return self.help_centre.answer(query, "en")  # English words in the question

    def _passages(self, turn: Turn, query: str, topics: list[str]) -> list[Answer]:
        """Help-centre passages for a grounded answer: in the customer's language, or
        where it has no articles, the English articles about the question's topics."""
        if turn.language in self.help_centre.languages():
            hits = self.help_centre.search(query, turn.language, k=GROUNDING_PASSAGES)
        else:
            leads = (
                self.help_centre.lead(TOPIC_ARTICLES[t]) for t in topics if t in TOPIC_ARTICLES
            )
            hits = [h for h in leads if h is not None]
            hits += self.help_centre.search(query, "en", k=GROUNDING_PASSAGES)
        unique: dict[tuple[str, str], Answer] = {}
        for hit in hits:
            if hit.score >= self.help_centre.MIN_SCORE:
                unique.setdefault((hit.article.id, hit.quote), hit)
        return list(unique.values())[:GROUNDING_PASSAGES]

    def _grounded(self, turn: Turn, query: str, topics: list[str]) -> GroundedAnswer | None:
        """The model's checked answer from the help centre (LLM mode), else None."""
        if self.answerer is None:
            return None
        passages = self._passages(turn, query, topics)
        if not passages:
            return None
        facts = self.answerer.account_facts(turn.service, turn.actor)
        return self.answerer.answer(query, passages, facts, turn.language, turn.state)

    def _knowledge(self, turn: Turn, query: str, intent: str, topics: list[str]) -> bool:
        grounded = self._grounded(turn, query, topics)
        if grounded is not None and grounded.supported and grounded.article is not None:
            turn.state.misunderstandings = 0
            article = grounded.article
            turn.say(
                "knowledge.grounded",
                {"answer": grounded.text, "title": article.title, "link": article.link},
            )
            return self._offer_flow(turn, article.id, intent)
        # The model found the passages do not answer it: say so, as when nothing matches.
        answer = None if grounded is not None else self._find_answer(turn, query, topics)
        if answer is not None and intent == "out_of_scope" and answer.score < OOS_KNOWLEDGE_SCORE:
            answer = None
        if answer is not None:
            turn.state.misunderstandings = 0
            same_language = answer.article.language == turn.language
            turn.say(
                "knowledge.answer" if same_language else "knowledge.answer_english",
                {"title": answer.article.title, "quote": answer.quote, "link": answer.article.link},
            )
            return self._offer_flow(turn, answer.article.id, intent)
        if intent == "out_of_scope":
            self._missed(turn, "cannot_handle")
            return False
        turn.state.misunderstandings += 1
        if turn.state.misunderstandings > MAX_MISUNDERSTANDINGS:
            turn.handoff = "misunderstanding"
            return False
        turn.ask("knowledge.none", Awaiting(kind="offer_human"))
        return False

    def _offer_flow(self, turn: Turn, article_id: str, intent: str) -> bool:
        """After an answer about something the assistant can also do, offer to do it."""
        flow = ARTICLE_FLOWS.get(article_id)
        if flow and turn.state.frame is None and intent not in ("out_of_scope",):
            topic = turn.responses.template(f"intent.{flow}", turn.language)
            turn.ask("knowledge.offer", Awaiting(kind="offer_flow", slot=flow), {"topic": topic})
            return False
        return True

    def _chitchat(self, turn: Turn, act: str) -> bool:
        if act == "greeting":
            turn.say("greeting.again")
        elif act == "thanks":
            turn.ask("thanks.reply", Awaiting(kind="anything_else"))
        else:
            turn.state.stack.clear()
            turn.say("goodbye.reply")
        return False

    def _clarify(self, turn: Turn, options: list[str]) -> bool:
        state = turn.state
        state.misunderstandings += 1
        if state.misunderstandings > MAX_MISUNDERSTANDINGS:
            turn.handoff = "misunderstanding"
            return False
        state.clarify_text = turn.message
        lines = "\n".join(
            f"{n}. {turn.responses.template(f'intent.{o}', turn.language)}"
            for n, o in enumerate(options, start=1)
        )
        labels = [turn.responses.template(f"intent.{o}", turn.language) for o in options]
        turn.ask(
            "clarify.options",
            Awaiting(
                kind="slot",
                slot=INTENT_SLOT,
                slot_type="intent",
                options=[
                    {"value": o, "keys": [label]} for o, label in zip(options, labels, strict=True)
                ],
            ),
            {"options": lines},
        )
        return False

    def _missed(self, turn: Turn, key: str) -> None:
        state = turn.state
        state.misunderstandings += 1
        if state.misunderstandings > MAX_MISUNDERSTANDINGS:
            turn.handoff = "misunderstanding"
            return
        if state.awaiting is not None and state.frame is not None:
            if key == "slot.repeat":
                kind = state.awaiting.kind
                turn.say("confirm.repeat" if kind == "confirm" else "slot.repeat", {"question": ""})
            else:
                turn.say(key)
            self._reask(turn)
            return
        turn.say(key if state.misunderstandings == 1 else "clarify.rephrase")

    def _reask(self, turn: Turn) -> None:
        """Repeat the pending question after something that did not answer it."""
        frame = turn.state.frame
        if frame is None:
            return
        frame_awaiting = turn.state.awaiting
        turn.state.awaiting = None
        if frame_awaiting and frame_awaiting.kind == "confirm":
            frame.confirmed = [c for c in frame.confirmed if c != frame.step]
        self._continue(turn)

    # -- running flows --------------------------------------------------------------------
    def _continue(self, turn: Turn) -> None:
        state = turn.state
        while state.frame is not None and state.awaiting is None and not turn.handoff:
            frame = state.frame
            try:
                outcome = self.runner.run(turn, frame)
            except DeskPilotError:
                turn.say("error.generic")
                outcome = Outcome.STOPPED
            if outcome in (Outcome.WAITING, Outcome.HANDOFF):
                return
            if outcome is Outcome.SWITCHED:
                continue
            state.stack.pop()
            if outcome is Outcome.DONE:
                state.completed.append(frame.flow)
            if state.stack and state.awaiting is None:
                self._reask(turn)
                return
        if state.frame is None and state.awaiting is None and not turn.handoff:
            self._next_queued_or_close(turn)

    def _next_queued_or_close(self, turn: Turn) -> None:
        state = turn.state
        if state.queued:
            nxt = state.queued.pop(0)
            self._start(turn, StartFlow(flow=nxt["flow"], slots=nxt.get("slots", {})))
            self._continue(turn)
            return
        if turn.keys and turn.keys[-1] not in (
            "goodbye.reply",
            "greeting.again",
            "thanks.reply",
            "knowledge.none",
        ):
            turn.ask("anything_else", Awaiting(kind="anything_else"))

    # -- handoff --------------------------------------------------------------------------
    def _handoff(self, turn: Turn, reason: str) -> None:
        state = turn.state
        state.handed_off = True
        state.handoff_reason = reason
        state.awaiting = None
        state.stack.clear()
        priority = handoff_priority(reason)
        try:
            ticket = turn.service.run(
                "create_ticket",
                turn.actor,
                {
                    "subject": f"Chat handoff: {reason}",
                    "description": turn.message[:4000],
                    "priority": priority,
                },
            )
            turn.ticket_id = int(ticket.model_dump()["ticket_id"])
        except DeskPilotError:
            turn.ticket_id = None
        wait: dict[str, Any] = {"ticket_id": turn.ticket_id or "-"}
        key = "handoff.wait"
        if turn.wait_estimate is not None:
            minutes = turn.wait_estimate()
            key = "handoff.wait_offline" if minutes is None else "handoff.wait_minutes"
            wait["minutes"] = minutes
        wait_text = turn.responses.render(key, turn.language, turn.locale, wait)
        turn.say(f"handoff.{reason}", {"wait": wait_text})
