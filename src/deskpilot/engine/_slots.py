"""Candidates for a slot: the customer's orders, installments, cards, methods, or an enum."""

from __future__ import annotations

from typing import Any

from deskpilot.engine._context import Turn
from deskpilot.engine.flows import SlotSpec
from deskpilot.nlu.lexicon import ENUMS

MAX_OPTIONS = 5
_SOURCES = {
    "order": ("list_orders", {"limit": 20}, "orders"),
    "installment": ("list_upcoming_installments", {"limit": 20}, "installments"),
    "card": ("get_card_status", {}, "cards"),
    "payment_method": ("list_payment_methods", {}, "payment_methods"),
}


def _matches(item: dict[str, Any], where: dict[str, list[Any]]) -> bool:
    return all(item.get(field) in allowed for field, allowed in where.items())


def _keys(slot_type: str, item: dict[str, Any]) -> list[str]:
    if slot_type == "order":
        return [item["reference"], item["merchant"], *(i["name"] for i in item["items"])]
    if slot_type == "installment":
        return [str(item["due_date"]), item["order_reference"]]
    if slot_type == "card":
        return [item["last4"], item["kind"]]
    if slot_type == "payment_method":
        return [item["last4"], item["label"], item["kind"].replace("_", " ")]
    return []


def _value(slot_type: str, item: dict[str, Any]) -> Any:
    return item["reference"] if slot_type == "order" else item["id"]


def candidates(turn: Turn, spec: SlotSpec, slots: dict[str, Any]) -> list[dict[str, Any]]:
    """Options for a slot, each ``{"value", "keys", "item"}``; enum options carry a label."""
    if spec.type == "enum":
        assert spec.enum is not None
        out = []
        for v in ENUMS[spec.enum]:
            label = turn.responses.template(f"enum.{spec.enum}.{v}", turn.language)
            out.append({"value": v, "keys": [label], "item": {"label": label}})
        return out
    if spec.type not in _SOURCES:
        return []
    action, args, field = _SOURCES[spec.type]
    items = turn.service.run(action, turn.actor, args).model_dump(mode="json")[field]
    items = [i for i in items if _matches(i, spec.where)]
    if spec.type == "installment" and slots.get("order_reference"):
        same = [i for i in items if i["order_reference"] == slots["order_reference"]]
        items = same or items
    if spec.eligible and len(items) > 1:
        allowed = [i for i in items if _eligible(turn, spec, _value(spec.type, i))]
        items = allowed or items  # if none is, the refusal will explain why
    out = []
    for i in items:
        keys = _keys(spec.type, i)
        if spec.type == "card":  # customers name the kind in their own language
            keys.append(turn.responses.template(f"enum.card_kind.{i['kind']}", turn.language))
        out.append({"value": _value(spec.type, i), "keys": keys, "item": i})
    return out


_SLOT_ARG = {
    "order": "order_reference",
    "installment": "installment_id",
    "card": "card_id",
    "payment_method": "payment_method_id",
}


def _eligible(turn: Turn, spec: SlotSpec, value: Any) -> bool:
    from deskpilot.domain.actions import REGISTRY

    action = spec.eligible or ""
    args = {**spec.eligible_args, _SLOT_ARG[spec.type]: value}
    if REGISTRY[action].moves_money:
        args["idempotency_key"] = "preflight-check"
    return turn.service.check(action, turn.actor, args) is None


def from_hint(spec: SlotSpec, slots: dict[str, Any], options: list[dict[str, Any]]) -> Any:
    """A value the opening request already named (card last-4, order reference...)."""
    if spec.type == "card" and slots.get("card_last4"):
        hit = [o for o in options if o["item"]["last4"] == slots["card_last4"]]
        return hit[0]["value"] if len(hit) == 1 else None
    if spec.type == "days":
        return slots.get("days") or ({"date": slots["date"]} if slots.get("date") else None)
    return None


def option_lines(turn: Turn, options: list[dict[str, Any]]) -> str:
    """'1. …' lines for a question with options."""
    return "\n".join(
        f"{n}. {turn.responses.render_item(o['item'], turn.language, turn.locale)}"
        for n, o in enumerate(options[:MAX_OPTIONS], start=1)
    )
