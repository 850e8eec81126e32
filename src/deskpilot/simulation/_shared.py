"""What the simulated customers, agents and reviewers of one run share."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, select

from deskpilot.api.auth import issue_token
from deskpilot.config import Settings
from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.simulation._api import Api
from deskpilot.simulation._config import SimulationConfig
from deskpilot.simulation._report import SimulationReport


class Cases:
    """Handed-off conversations between a waiting customer and the agent who takes them.

    The customer waits, with limited patience, for an agent to join; once one has, for
    how the agent ended the case ("closed" or "handed_back"). A customer who gives up is
    "gone", and the agent then closes the case as "no_response".
    """

    def __init__(self) -> None:
        self._joined: dict[str, asyncio.Event] = {}
        self._outcomes: dict[str, asyncio.Future[str]] = {}
        self.handed: set[str] = set()  # handed off in this run
        self.taken: set[str] = set()  # claimed (or being claimed) by a simulated agent
        self.gone: set[str] = set()  # the customer stopped waiting

    def _event(self, conversation_id: str) -> asyncio.Event:
        return self._joined.setdefault(conversation_id, asyncio.Event())

    def _future(self, conversation_id: str) -> asyncio.Future[str]:
        fut = self._outcomes.get(conversation_id)
        if fut is None:
            fut = self._outcomes[conversation_id] = asyncio.get_running_loop().create_future()
        return fut

    async def wait(self, conversation_id: str, patience: float) -> str | None:
        """How the agent ended the case, or None when nobody joined in time."""
        try:
            await asyncio.wait_for(self._event(conversation_id).wait(), patience)
        except TimeoutError:
            self.gone.add(conversation_id)
            return None
        return await self._future(conversation_id)

    def join(self, conversation_id: str) -> None:
        self._event(conversation_id).set()

    def finish(self, conversation_id: str, outcome: str) -> None:
        self.join(conversation_id)
        fut = self._future(conversation_id)
        if not fut.done():
            fut.set_result(outcome)


def reader_for(db: Database) -> Engine:
    """An engine for the simulator's reads. DeskPilot's own SQLite engine starts every
    transaction with BEGIN IMMEDIATE (a write lock); reads from this second process must
    not take the service's write lock, so SQLite gets a plain engine here."""
    if db.dialect != "sqlite":
        return db.engine
    return create_engine(db.url, connect_args={"check_same_thread": False, "timeout": 30})


@dataclass
class Shared:
    """The run's parameters, HTTP client, report and coordination."""

    config: SimulationConfig
    settings: Settings
    db: Database
    api: Api
    report: SimulationReport
    reader: Engine
    cases: Cases = field(default_factory=Cases)
    customers_done: asyncio.Event = field(default_factory=asyncio.Event)

    def customer_token(self, customer_id: int) -> str:
        """A chat token as the company's app would mint it (demo mode only; checked
        before the run starts)."""
        return issue_token(
            self.settings.secret_key.get_secret_value(),
            "customer",
            customer_id,
            datetime.now(UTC),
            self.settings.customer_token_minutes,
        )

    async def awaiting(self, conversation_id: str) -> dict[str, Any] | None:
        """What the assistant's last question asked for (slot name and type).

        The API tells a client only the kind of question; a person reads the words. The
        simulated customer reads the question from the conversation's stored state.
        """

        def read() -> dict[str, Any] | None:
            query = select(m.Conversation.state).where(m.Conversation.public_id == conversation_id)
            with self.reader.connect() as conn:
                state = conn.execute(query).scalar()
            found = (state or {}).get("awaiting")
            return found if isinstance(found, dict) else None

        return await asyncio.to_thread(read)
