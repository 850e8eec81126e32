"""Runs a simulation: customers (a bounded number at a time), agents working the queue
alongside them, then reviewers; everything through the running service's HTTP API."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

import httpx

from deskpilot.config import Settings
from deskpilot.db import Database
from deskpilot.errors import PermissionDenied
from deskpilot.simulation._agent import Agent
from deskpilot.simulation._api import Api
from deskpilot.simulation._config import RECONTACT, SimulationConfig
from deskpilot.simulation._customer import Customer
from deskpilot.simulation._plan import Contact, plan
from deskpilot.simulation._report import SimulationReport
from deskpilot.simulation._reviewer import review
from deskpilot.simulation._shared import Shared, reader_for

Progress = Callable[[int], None]


def run_simulation(
    config: SimulationConfig,
    settings: Settings,
    db: Database,
    progress: Progress | None = None,
) -> SimulationReport:
    """Simulate ``config.conversations`` contacts against the service at ``config.url``.

    ``db`` must be the service's own database (customers are picked from it) and
    ``settings`` its settings (customer tokens are signed with its secret), which is why
    this runs only in demo mode. ``progress`` is called with 1 per finished contact.
    Simulated ratings and reviews are drawn from fixed distributions.
    """
    if not settings.demo_mode:
        raise PermissionDenied(
            "The simulator signs customer tokens itself, which only demo mode allows "
            "(DESKPILOT_DEMO_MODE=true); never point it at a production service"
        )
    contacts = plan(db, config)
    return asyncio.run(simulate(config, settings, db, contacts, progress))


async def simulate(
    config: SimulationConfig,
    settings: Settings,
    db: Database,
    contacts: list[Contact],
    progress: Progress | None = None,
) -> SimulationReport:
    """The run itself, for callers that plan their own contacts or own an event loop."""
    report = SimulationReport(planned=len(contacts))
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=config.concurrency + config.agents + 4)
    async with httpx.AsyncClient(
        base_url=config.url, timeout=config.request_timeout, limits=limits
    ) as client:
        api = Api(client, report)
        await api.check_service(config.url)
        reader = reader_for(db)
        shared = Shared(config, settings, db, api, report, reader)
        try:
            agents = await _agents(shared)
            working = [asyncio.create_task(a.run()) for a in agents]
            await _customers(shared, contacts, progress or (lambda _: None))
            shared.customers_done.set()
            await asyncio.gather(*working)
            if config.reviews:
                await review(shared, await _supervisor_token(shared, agents))
        finally:
            if reader is not db.engine:
                reader.dispose()
    report.elapsed_seconds = time.perf_counter() - started
    return report


async def _customers(shared: Shared, contacts: list[Contact], progress: Progress) -> None:
    """Start new contacts as a Poisson process, at most ``concurrency`` at a time; a repeat
    contact starts a while after the contact it follows up has ended."""
    config = shared.config
    gate = asyncio.Semaphore(config.concurrency)
    origins = {c.repeat_of for c in contacts if c.repeat_of is not None}
    finished = {i: asyncio.Event() for i in origins}
    arrivals = random.Random(f"deskpilot-simulate:{config.seed}:arrivals")
    gap = config.arrival_gap_seconds

    async def one(contact: Contact, after: asyncio.Event | None) -> None:
        holding = after is None  # first contacts are admitted through the gate already
        try:
            if after is not None:  # a repeat contact: a while after the first one ended
                await after.wait()
                await asyncio.sleep(config.draw(contact.rng(config.seed), RECONTACT))
                await gate.acquire()
                holding = True
            await Customer(shared, contact).run()
        except Exception as exc:  # noqa: BLE001 - one broken conversation never stops the run
            shared.report.error(f"customer: {type(exc).__name__}: {exc}"[:120])
        finally:
            if holding:
                gate.release()
            if contact.index in finished:
                finished[contact.index].set()
            progress(1)

    async with asyncio.TaskGroup() as group:
        for contact in contacts:
            if contact.repeat_of is not None and contact.repeat_of in finished:
                group.create_task(one(contact, finished[contact.repeat_of]))
                continue
            if gap:
                await asyncio.sleep(arrivals.expovariate(1 / gap))
            await gate.acquire()
            group.create_task(one(contact, None))


async def _agents(shared: Shared) -> list[Agent]:
    logins = shared.config.agent_logins
    if shared.config.agents and not logins:
        shared.report.warn("No agent logins given: nobody takes the handed-off conversations")
        return []
    agents = [Agent(shared, k, logins[k % len(logins)]) for k in range(shared.config.agents)]
    ok = await asyncio.gather(*(a.login() for a in agents))
    if agents and not any(ok):
        shared.report.warn("No simulated agent could log in: handoffs wait unanswered")
    return [a for a, logged_in in zip(agents, ok, strict=True) if logged_in]


async def _supervisor_token(shared: Shared, agents: list[Agent]) -> str | None:
    """A supervisor's token for reviewing: an agent session's, or a fresh login."""
    for agent in agents:
        if agent.role in ("supervisor", "admin"):
            return agent.token
    for k, login in enumerate(shared.config.agent_logins):
        if login[0] in {a.username for a in agents}:
            continue
        reviewer = Agent(shared, 1000 + k, login)
        if await reviewer.login() and reviewer.role in ("supervisor", "admin"):
            return reviewer.token
    return None
