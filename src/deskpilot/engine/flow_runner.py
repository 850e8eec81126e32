"""Runs a flow's steps until it needs the customer or finishes.

Steps are data (see flows/inquiries.yaml). Account actions only ever run here,
through the AccountService, so every policy holds whatever understanding said.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum
from typing import Any

from deskpilot.domain.actions import REGISTRY
from deskpilot.engine._context import Turn, expand_key, lookup
from deskpilot.engine._slots import candidates, from_hint, option_lines
from deskpilot.engine.flows import FlowSpec, SlotSpec, Step, load_flows
from deskpilot.engine.state import Awaiting, Frame
from deskpilot.errors import DeskPilotError, InvalidInput


class Outcome(Enum):
    WAITING = "waiting"  # asked the customer something
    DONE = "done"  # reached the end
    STOPPED = "stopped"  # refused or nothing to work on
    SWITCHED = "switched"  # continued in another flow
    HANDOFF = "handoff"


def params(frame: Frame) -> dict[str, Any]:
    """Everything templates and conditions of a frame can refer to."""
    return {**frame.data, **frame.slots}


def condition(expr: str | None, p: dict[str, Any]) -> bool:
    """'slot == value', 'slot != value', 'data.path', 'not data.path'."""
    if not expr:
        return True
    expr = expr.strip()
    if " == " in expr or " != " in expr:
        op = " == " if " == " in expr else " != "
        left, right = (s.strip() for s in expr.split(op, 1))
        equal = str(lookup(p, left)) == right
        return equal if op == " == " else not equal
    if expr.startswith("not "):
        return not lookup(p, expr[4:].strip())
    return bool(lookup(p, expr))


def _named_in(message: str, options: list[dict[str, Any]]) -> Any:
    """The one option the opening message names ('return the running shoes')."""
    from deskpilot.nlu.slot_answers import match_by_words

    return match_by_words(message, options) if message else None


def resolve_args(args: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in args.items():
        if isinstance(value, str) and value.startswith("$"):
            value = lookup(p, value[1:])
        if value is not None:
            out[key] = value
    return out


class FlowRunner:
    """Advances the top frame of the dialogue stack."""

    def __init__(self, flows: dict[str, FlowSpec] | None = None) -> None:
        self.flows = flows or load_flows()

    def run(self, turn: Turn, frame: Frame) -> Outcome:
        flow = self.flows[frame.flow]
        while frame.step < len(flow.steps):
            step = flow.steps[frame.step]
            if not condition(step.when, params(frame)):
                frame.step += 1
                continue
            outcome = self._step(turn, flow, frame, step)
            if outcome is not None:
                return outcome
            frame.step += 1
        return Outcome.DONE

    def _step(self, turn: Turn, flow: FlowSpec, frame: Frame, step: Step) -> Outcome | None:
        kind = step.kind
        if kind == "collect":
            return self._collect(turn, flow.slots[step.collect or ""], step.collect or "", frame)
        if kind == "call":
            return self._call(turn, frame, step)
        if kind == "say":
            turn.say(expand_key(step.say or "", params(frame)), params(frame))
            return None
        if kind == "confirm":
            if frame.step in frame.confirmed:
                return None
            refusal = self._preflight(turn, flow, frame)
            if refusal is not None:
                return self._refused(turn, frame, refusal)
            turn.ask(
                expand_key(step.confirm or "", params(frame)),
                Awaiting(kind="confirm"),
                params(frame),
            )
            return Outcome.WAITING
        if kind == "act":
            return self._act(turn, frame, step)
        if kind == "start":
            frame.flow, frame.step, frame.confirmed = step.start or "", 0, []
            frame.slots.update(step.slots)
            return Outcome.SWITCHED
        turn.handoff = step.handoff
        return Outcome.HANDOFF

    def _collect(self, turn: Turn, spec: SlotSpec, name: str, frame: Frame) -> Outcome | None:
        if frame.slots.get(name) is not None:
            return self._settle(turn, spec, name, frame)
        needs_options = spec.type != "days" and not (spec.type == "enum" and spec.default)
        options = candidates(turn, spec, frame.slots) if needs_options else []
        hinted = from_hint(spec, frame.slots, options)
        if (
            hinted is None
            and spec.type not in ("enum", "days", "email", "phone", "address")
            and len(options) == 1
        ):
            hinted = options[0]["value"]
        if hinted is None and len(options) > 1 and spec.type in ("order", "card", "payment_method"):
            hinted = _named_in(str(frame.data.get("message", "")), options)
        if hinted is None and spec.default is not None:
            hinted = spec.default
        if hinted is not None:
            frame.slots[name] = hinted
            return self._settle(turn, spec, name, frame)
        if spec.optional:
            return None
        if not options and spec.type in ("order", "installment", "card", "payment_method"):
            turn.say(f"none.{spec.type}")
            frame.data["_stopped"] = f"none.{spec.type}"
            return Outcome.STOPPED
        awaiting = Awaiting(
            kind="slot",
            slot=name,
            slot_type=spec.type,
            options=[{"value": o["value"], "keys": o["keys"]} for o in options],
        )
        frame.data["_options"] = {str(o["value"]): o["item"] for o in options}
        turn.ask(
            spec.ask or f"ask.{name}",
            awaiting,
            {**params(frame), "options": option_lines(turn, options)},
        )
        return Outcome.WAITING

    def _settle(self, turn: Turn, spec: SlotSpec, name: str, frame: Frame) -> Outcome | None:
        """Derived data for a filled slot: the chosen item, an enum's label, due dates."""
        value = frame.slots[name]
        chosen = frame.data.get("_options", {}).get(str(value))
        if chosen is None and spec.type in ("installment", "card", "payment_method"):
            chosen = next(
                (o["item"] for o in candidates(turn, spec, frame.slots) if o["value"] == value),
                None,
            )
        if chosen is not None and spec.type == "card":
            chosen = {
                **chosen,
                "kind": turn.responses.template(f"enum.card_kind.{chosen['kind']}", turn.language),
            }
        if chosen is not None and spec.type != "enum":
            frame.data[spec.type] = chosen
        if spec.type == "enum":
            frame.data[f"{name}_label"] = turn.responses.template(
                f"enum.{spec.enum}.{value}", turn.language
            )
        if spec.type == "days":
            return self._days(turn, spec, name, frame)
        frame.data.pop("_options", None)
        return None

    def _days(self, turn: Turn, spec: SlotSpec, name: str, frame: Frame) -> Outcome | None:
        value = frame.slots[name]
        base = lookup(params(frame), spec.relative_to or "")
        if isinstance(value, dict) and "date" in value and base:
            value = (date.fromisoformat(value["date"]) - date.fromisoformat(str(base))).days
        if not isinstance(value, int) or value <= 0:
            frame.slots[name] = None
            turn.ask(spec.ask or "ask.days", Awaiting(kind="slot", slot=name, slot_type="days"))
            return Outcome.WAITING
        frame.slots[name] = value
        if base:
            frame.data["new_due_date"] = (
                date.fromisoformat(str(base)) + timedelta(days=value)
            ).isoformat()
        return None

    def _call(self, turn: Turn, frame: Frame, step: Step) -> Outcome | None:
        try:
            out = turn.service.run(
                step.call or "", turn.actor, resolve_args(step.args, params(frame))
            )
        except DeskPilotError as exc:
            return self._refused(turn, frame, exc)
        result = out.model_dump(mode="json")
        if step.as_:
            frame.data[step.as_] = result
        if step.pick:
            items = result.get(step.pick.source, [])
            where = resolve_args(step.pick.where, params(frame))
            picked = [
                i
                for i in items
                if all(i.get(k) in (v if isinstance(v, list) else [v]) for k, v in where.items())
            ]
            frame.data[step.pick.as_] = picked[0] if picked else None
        return None

    def _act(self, turn: Turn, frame: Frame, step: Step) -> Outcome | None:
        name = step.act or ""
        args = resolve_args(step.args, {**params(frame), "message": frame.data.get("message")})
        if REGISTRY[name].moves_money:
            args["idempotency_key"] = f"conv{turn.conversation_id}-f{frame.instance}-s{frame.step}"
        try:
            out = turn.service.run(name, turn.actor, args)
        except InvalidInput as exc:
            if self._ask_again(frame):
                turn.say("invalid_input", {"detail": exc.message.split(": ", 1)[-1][:200]})
                return self.run(turn, frame)
            return self._refused(turn, frame, exc)
        except DeskPilotError as exc:
            return self._refused(turn, frame, exc)
        turn.actions.append(name)
        turn.state.actions.append(name)
        if step.as_:
            frame.data[step.as_] = out.model_dump(mode="json")
        return None

    def _preflight(self, turn: Turn, flow: FlowSpec, frame: Frame) -> DeskPilotError | None:
        """Check the action this confirmation leads to, so a refusal comes before the question."""
        p = params(frame)
        for step in flow.steps[frame.step + 1 :]:
            if step.kind == "act" and condition(step.when, p):
                name = step.act or ""
                args = resolve_args(step.args, {**p, "message": frame.data.get("message")})
                if REGISTRY[name].moves_money:
                    args["idempotency_key"] = "preflight-check"
                error = turn.service.check(name, turn.actor, args)
                return None if isinstance(error, InvalidInput) else error
            if step.kind in ("confirm", "collect"):
                return None
        return None

    def _ask_again(self, frame: Frame) -> bool:
        """Clear typed answers (email, phone, address) so a bad one is asked for again."""
        flow = self.flows[frame.flow]
        for index, step in enumerate(flow.steps):
            spec = flow.slots.get(step.collect or "")
            if (
                spec
                and spec.type in ("email", "phone", "address")
                and frame.slots.get(step.collect or "")
            ):
                frame.slots[step.collect or ""] = None
                frame.step, frame.confirmed = index, []
                return True
        return False

    def _refused(self, turn: Turn, frame: Frame, exc: DeskPilotError) -> Outcome:
        if isinstance(exc, InvalidInput):
            turn.say("invalid_input", {"detail": exc.message.split(": ", 1)[-1][:200]})
        else:
            rule = exc.rule or "lookup"
            turn.say(
                f"refused.{rule}" if turn.responses.has(f"refused.{rule}") else "error.generic"
            )
            turn.say("refused.offer_human")
            turn.state.refused = {
                "rule": rule,
                "flow": frame.flow,
                "slots": {k: v for k, v in frame.slots.items() if isinstance(v, str | int)},
            }
        frame.data["_stopped"] = exc.code
        return Outcome.STOPPED
