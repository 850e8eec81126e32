"""Who contacts support and what they say: customers from the database, scripts from the
scenario suite (in the customer's language), and each contact's decisions, all drawn from
the seed so that the same seed plans the same run.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import func, select

from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.evaluation.scenario import Scenario, load_scenarios
from deskpilot.simulation._api import SimulationError
from deskpilot.simulation._config import SimulationConfig

CHUNK = 500  # ids per IN (...) query
FACT_SLOTS = 5  # $order0..$order4 and $card0..$card4 are always filled


@dataclass(frozen=True)
class Person:
    """A customer from the service's database."""

    id: int
    country: str
    language: str


@dataclass(frozen=True)
class Contact:
    """One conversation to simulate."""

    index: int
    customer: Person
    scenario: Scenario
    variant: int
    wants_person: bool  # asks for a person if the script alone does not lead to one
    facts: dict[str, str] = field(hash=False)
    repeat_of: int | None = None  # the earlier contact about the same topic

    @property
    def language(self) -> str:
        return self.scenario.language

    def rng(self, seed: int) -> random.Random:
        return random.Random(f"deskpilot-simulate:{seed}:contact:{self.index}")


@dataclass(frozen=True)
class Scripts:
    """The scenario suite split by language: ordinary requests, ones that end with a
    person (complaints, hardship, insisting, asking outright), and ways to ask for one."""

    ordinary: dict[str, list[Scenario]]
    needs_person: dict[str, list[Scenario]]
    ask_person: dict[str, list[str]]

    def pool(self, language: str, wants_person: bool) -> list[Scenario]:
        pools = self.needs_person if wants_person else self.ordinary
        return pools.get(language) or pools["en"]

    def ask_for_person(self, language: str, rng: random.Random) -> str:
        return rng.choice(self.ask_person.get(language) or self.ask_person["en"])


@cache
def scripts() -> Scripts:
    ordinary: dict[str, list[Scenario]] = defaultdict(list)
    needs_person: dict[str, list[Scenario]] = defaultdict(list)
    ask_person: dict[str, list[str]] = defaultdict(list)
    for s in load_scenarios():
        (needs_person if s.expect.handoff else ordinary)[s.language].append(s)
        if s.inquiry == "human_agent":
            ask_person[s.language] += [s.phrasing(0, v) for v in range(s.variant_count())]
    return Scripts(dict(ordinary), dict(needs_person), dict(ask_person))


def sample_customers(db: Database, rng: random.Random, n: int) -> list[Person]:
    """``n`` customers drawn from the database: distinct while there are enough."""
    with db.session() as s:
        lo, hi = s.execute(select(func.min(m.Customer.id), func.max(m.Customer.id))).one()
    if lo is None:
        raise SimulationError("The database has no customers: run `deskpilot seed` first")
    picked = rng.sample(range(lo, hi + 1), min(n, hi - lo + 1))
    rows = {p.id: p for p in _people(db, picked)}
    people = [rows[i] for i in picked if i in rows]
    if len(people) < n:  # gaps in the ids, or fewer customers than contacts
        pool = people or list(_people(db, range(lo, min(hi, lo + CHUNK) + 1)))
        people += rng.choices(pool, k=n - len(people))
    return people


def _people(db: Database, ids: Iterable[int]) -> Iterable[Person]:
    wanted = list(ids)
    with db.session() as s:
        for i in range(0, len(wanted), CHUNK):
            stmt = select(m.Customer.id, m.Customer.country, m.Customer.language).where(
                m.Customer.id.in_(wanted[i : i + CHUNK])
            )
            for cid, country, language in s.execute(stmt):
                yield Person(int(cid), str(country), str(language))


def facts_for(db: Database, people: list[Person]) -> dict[int, dict[str, str]]:
    """What each customer knows: order references, card digits, email ($order0...)."""
    ids = sorted({p.id for p in people})
    orders: dict[int, list[str]] = defaultdict(list)
    cards: dict[int, list[str]] = defaultdict(list)
    emails: dict[int, str] = {}
    with db.session() as s:
        for i in range(0, len(ids), CHUNK):
            part = ids[i : i + CHUNK]
            for cid, ref in s.execute(
                select(m.Order.customer_id, m.Order.reference)
                .where(m.Order.customer_id.in_(part))
                .order_by(m.Order.id)
            ):
                orders[cid].append(str(ref))
            for cid, last4 in s.execute(
                select(m.Card.customer_id, m.Card.last4)
                .where(m.Card.customer_id.in_(part))
                .order_by(m.Card.id)
            ):
                cards[cid].append(str(last4))
            for cid, email in s.execute(
                select(m.Customer.id, m.Customer.email).where(m.Customer.id.in_(part))
            ):
                emails[cid] = str(email)
    every_order = sorted({ref for refs in orders.values() for ref in refs})
    out: dict[int, dict[str, str]] = {}
    for cid in ids:
        facts = {"email": emails.get(cid, "")}
        facts |= _numbered("order", orders[cid] or ["A0000000"])
        facts |= _numbered("card", cards[cid] or ["0000"])
        others = [ref for ref in every_order if ref not in orders[cid]]
        facts["foreign_order"] = others[cid % len(others)] if others else "A0000000"
        out[cid] = facts
    return out


def _numbered(name: str, values: list[str]) -> dict[str, str]:
    return {f"{name}{i}": values[min(i, len(values) - 1)] for i in range(FACT_SLOTS)}


def plan(db: Database, config: SimulationConfig) -> list[Contact]:
    """Every contact of the run, in the order they start."""
    rng = random.Random(f"deskpilot-simulate:{config.seed}")
    n = config.conversations
    repeats = [i > 0 and rng.random() < config.repeat_share for i in range(n)]
    people = iter(sample_customers(db, rng, n - sum(repeats)))
    book = scripts()
    contacts: list[Contact] = []
    firsts: list[Contact] = []
    facts: dict[int, dict[str, str]] = {}
    for i, is_repeat in enumerate(repeats):
        wants_person = rng.random() < config.handoff_share
        if is_repeat and firsts:
            origin = rng.choice(firsts)
            variant = (origin.variant + 1) % origin.scenario.variant_count()
            contacts.append(
                Contact(
                    i,
                    origin.customer,
                    origin.scenario,
                    variant,
                    wants_person,
                    origin.facts,
                    repeat_of=origin.index,
                )
            )
            continue
        person = next(people)
        scenario = rng.choice(book.pool(person.language, wants_person))
        variant = rng.randrange(scenario.variant_count())
        known = facts.setdefault(person.id, {})
        contact = Contact(i, person, scenario, variant, wants_person, known)
        contacts.append(contact)
        firsts.append(contact)
    for person_id, known in facts_for(db, [c.customer for c in firsts]).items():
        facts[person_id].update(known)
    return contacts


def substitute(value: Any, facts: dict[str, str]) -> str:
    """A scripted line with $order0, $card0... replaced by what this customer knows."""
    text = "yes" if value is True else "no" if value is False else str(value)
    for key in sorted(facts, key=len, reverse=True):
        text = text.replace(f"${key}", facts[key])
    return text
