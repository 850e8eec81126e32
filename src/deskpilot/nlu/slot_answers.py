"""Reading a customer's answer to a question the assistant asked.

Questions with options accept the option's number ("2", "the second one"), words
from it (a merchant, an item, "virtual", "bank"), or an identifier (an order
reference, a card's last four digits). Typed questions take the matching entity.
"""

from __future__ import annotations

import re
from typing import Any

from deskpilot.engine.state import Awaiting
from deskpilot.nlu import lexicon as lx
from deskpilot.nlu.entities import Entity

_ADDRESS = re.compile(
    r"^\s*(?P<line>.+?)\s*,\s*(?P<postal>[A-Za-z]{0,2}[\d][\dA-Za-z -]{1,9}?)"
    r"\s*,?\s+(?P<city>[^\d,]{2,})\s*$"
)
_BARE_NUMBER = re.compile(r"^\s*(?:nr\.?|no\.?|#)?\s*(\d{1,3})\s*[.)]?\s*$", re.IGNORECASE)


def _choice_index(text: str, count: int, langs: tuple[str, ...]) -> int | None:
    """1-based option number given as a digit or an ordinal word, if any."""
    m = _BARE_NUMBER.match(lx.fold(text))
    if m and 1 <= int(m.group(1)) <= count:
        return int(m.group(1))
    return lx.ordinal(text.replace(".", " "), count, langs)


def match_by_words(text: str, options: list[dict[str, Any]]) -> Any:
    """The single option one of whose key phrases (or a key word of 4+ letters) is in the text."""
    folded = lx.fold(text)
    words = set(re.findall(r"\w{4,}", folded)) | set(re.findall(r"\d{4,}", folded))

    def hit(option: dict[str, Any]) -> bool:
        for key in option.get("keys", []):
            k = lx.fold(str(key))
            if k and re.search(rf"(?<!\w){re.escape(k)}(?!\w)", folded):
                return True
            if words & {w.rstrip("s") for w in re.findall(r"\w{4,}", k)} | (
                words & set(re.findall(r"\w{4,}", k))
            ):
                return True
        return False

    hits = [o for o in options if hit(o)]
    return hits[0]["value"] if len(hits) == 1 else None


def _typed(slot_type: str, entities: list[Entity], text: str) -> Any:
    by_type = {e.type: e for e in entities}
    if slot_type == "email" and "email" in by_type:
        return by_type["email"].value
    if slot_type == "phone" and "phone" in by_type:
        return by_type["phone"].value
    if slot_type == "days":
        if "days" in by_type:
            return by_type["days"].value
        if "date" in by_type:
            return {"date": by_type["date"].value.isoformat()}
        m = _BARE_NUMBER.match(lx.fold(text))
        return int(m.group(1)) if m else None
    if slot_type == "address":
        m = _ADDRESS.match(text)
        if m:
            return {
                "line": m.group("line"),
                "postal_code": m.group("postal").strip(),
                "city": m.group("city").strip(),
            }
    if slot_type == "order" and "order_reference" in by_type:
        return by_type["order_reference"].value
    return None


def resolve_answer(
    text: str, awaiting: Awaiting, entities: list[Entity], langs: tuple[str, ...] = ("en",)
) -> Any:
    """The slot value the text gives for the pending question, or None."""
    slot_type = awaiting.slot_type or ""
    options = awaiting.options
    typed = _typed(slot_type, entities, text)
    if typed is not None:
        return typed
    if options:
        if slot_type == "enum" and awaiting.slot:
            value = lx.enum_value(text, awaiting.slot, langs) if awaiting.slot in lx.ENUMS else None
            if value is not None and any(o["value"] == value for o in options):
                return value
        if slot_type == "installment" and lx.contains_any(
            text, lx.enum_phrases("installment_choice", "next", langs)
        ):
            return options[0]["value"]
        index = _choice_index(text, len(options), langs)
        if index is not None:
            return options[index - 1]["value"]
        for e in entities:
            if e.type == "card_last4":
                match = [o for o in options if e.value in o.get("keys", [])]
                if len(match) == 1:
                    return match[0]["value"]
        return match_by_words(text, options)
    return None
