"""Responses: message templates from gettext catalogs, filled with locale-formatted values.

The assistant never invents text: every message is a template from
``locales/<lang>.po`` with parameters. Amounts (``{"minor", "currency"}``) and dates
are formatted for the customer's locale with Babel; a language without a template
falls back to English.
"""

from __future__ import annotations

import gettext
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_skeleton
from babel.messages.pofile import read_po
from babel.numbers import format_currency

from deskpilot.domain.money import CURRENCY_EXPONENTS

LOCALES_DIR = Path(__file__).parent / "locales"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")
# Parameters that say how many, for entries with plural forms (the first one present counts).
PLURAL_COUNTS = ("count", "minutes", "days", "hours")
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


Template = str | tuple[str, ...]  # a plural entry has one form per plural category


@dataclass(frozen=True, slots=True)
class Catalog:
    templates: dict[str, Template]
    plural: Callable[[int], int]  # count -> index of the plural form


def _key(msgid: Any) -> str:
    return str(msgid[0] if isinstance(msgid, tuple | list) else msgid)


@cache
def catalogs(directory: Path = LOCALES_DIR) -> dict[str, Catalog]:
    """language -> its templates and plural rule, for every ``*.po`` file in ``directory``."""
    out: dict[str, Catalog] = {}
    for path in sorted(directory.glob("*.po")):
        with path.open("rb") as fh:
            catalog = read_po(fh)
        templates: dict[str, Template] = {}
        for m in catalog:
            if not m.id or not m.string:
                continue
            forms = m.string
            if isinstance(forms, tuple | list):
                templates[_key(m.id)] = tuple(str(f) for f in forms)
            else:
                templates[_key(m.id)] = str(forms)
        out[path.stem] = Catalog(templates, gettext.c2py(catalog.plural_expr))
    return out


def format_money(value: Mapping[str, Any], locale: str) -> str:
    cur = str(value["currency"])
    exp = CURRENCY_EXPONENTS.get(cur, 2)
    amount = Decimal(int(value["minor"])).scaleb(-exp)
    return format_currency(amount, cur, locale=locale)


class _Formatter(string.Formatter):
    def __init__(self, locale: str, render_item: Any) -> None:
        super().__init__()
        self.locale = locale
        self.render_item = render_item

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, str]:
        value: Any = kwargs
        for part in field_name.split("."):
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return "", field_name
        return value, field_name

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Mapping) and {"minor", "currency"} <= set(value):
            return format_money(value, self.locale)
        if format_spec and isinstance(value, str) and _ISO_DATE.match(value):
            # a CLDR skeleton such as 'yMMMM': the locale orders it ('November 2026', '2026年11月')
            return format_skeleton(format_spec, date.fromisoformat(value), locale=self.locale)
        if isinstance(value, datetime):
            return format_date(value.date(), "long", locale=self.locale)
        if isinstance(value, date):
            return format_date(value, "long", locale=self.locale)
        if isinstance(value, str) and _ISO_DATE.match(value):
            return format_date(date.fromisoformat(value), "long", locale=self.locale)
        if isinstance(value, str) and _ISO_DATETIME.match(value):
            return format_date(datetime.fromisoformat(value).date(), "long", locale=self.locale)
        if isinstance(value, list):
            return "\n".join(f"• {self.render_item(v)}" for v in value)
        if value is None:
            return ""
        return str(super().format_field(value, format_spec))


class Responses:
    """Renders template keys in a language and locale."""

    def __init__(self, directory: Path = LOCALES_DIR) -> None:
        self.catalogs = catalogs(directory)
        if "en" not in self.catalogs:
            raise FileNotFoundError(f"no en.po in {directory}")

    @property
    def languages(self) -> list[str]:
        return sorted(self.catalogs)

    def has(self, key: str) -> bool:
        return key in self.catalogs["en"].templates

    def template(self, key: str, language: str, count: int | None = None) -> str:
        """The text for ``key``; for a plural entry, the form for ``count`` in ``language``."""
        for lang in (language, "en"):
            catalog = self.catalogs.get(lang)
            if catalog is not None and key in catalog.templates:
                found = catalog.templates[key]
                if isinstance(found, str):
                    return found
                index = catalog.plural(count if count is not None else 2)
                return found[min(index, len(found) - 1)]
        raise KeyError(f"no template {key!r}")

    def render(self, key: str, language: str, locale: str, params: Mapping[str, Any]) -> str:
        """The template ``key`` in ``language`` filled with ``params`` for ``locale``;
        a plural entry takes its form from the count parameter (see PLURAL_COUNTS)."""
        fmt = _Formatter(locale, lambda item: self.render_item(item, language, locale))
        count = next((params[p] for p in PLURAL_COUNTS if isinstance(params.get(p), int)), None)
        return fmt.vformat(self.template(key, language, count), (), dict(params)).strip()

    def render_item(self, item: Any, language: str, locale: str) -> str:
        """One list item (an order, installment, card...) as a line of text."""
        if isinstance(item, Mapping):
            kind = _item_kind(item)
            if kind:
                return self.render(
                    f"option.{kind}", language, locale, _item_params(item, kind, self, language)
                )
        return str(item)


def _item_kind(item: Mapping[str, Any]) -> str | None:
    if item.get("line") in ("item", "movement"):
        return f"{item['line']}_line"  # a line of a receipt or a statement
    if "reference" in item and "merchant" in item:
        return "order"
    if "due_date" in item and "outstanding" in item:
        return "installment"
    if "last4" in item and "block_reason" in item:
        return "card"
    if "last4" in item and "is_autopay" in item:
        return "payment_method"
    if "label" in item:
        return "enum"
    return None


def _item_params(
    item: Mapping[str, Any], kind: str, responses: Responses, language: str
) -> dict[str, Any]:
    params = dict(item)
    if kind == "order":
        items = item.get("items") or []
        params["item"] = items[0]["name"] if items else ""
    if kind == "card":
        params["kind"] = responses.template(f"enum.card_kind.{item['kind']}", language)
    if kind == "movement_line":
        params["kind"] = responses.template(f"enum.ledger_kind.{item['kind']}", language)
    return params
