"""Real databases for every test: a SQLite file and a PostgreSQL schema of its own."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest

from deskpilot.clock import FixedClock
from deskpilot.db import Database, upgrade
from deskpilot.domain.actions import AccountService

TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
PG_ADMIN = os.environ.get("DESKPILOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.Error as exc:
        return str(exc)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_ready() -> None:
    problem = _pg_available()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
    pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {problem}")


def _pg_database(request: pytest.FixtureRequest) -> Iterator[Database]:
    request.getfixturevalue("pg_ready")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://")
    sep = "&" if "?" in url else "?"
    db = Database(f"{url}{sep}options=-csearch_path%3D{schema}")
    upgrade(db.engine)
    try:
        yield db
    finally:
        db.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _sqlite_database(tmp_path: Path, template: Path) -> Iterator[Database]:
    path = tmp_path / "deskpilot.db"
    shutil.copy(template, path)
    db = Database(f"sqlite:///{path}")
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield from _sqlite_database(tmp_path, sqlite_template)
    else:
        yield from _pg_database(request)


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    yield from _sqlite_database(tmp_path, sqlite_template)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def service(db: Database, clock: FixedClock) -> AccountService:
    return AccountService(db, clock)


@pytest.fixture(scope="session")
def understanding() -> object:
    """The embedded understanding with the default models (cached by a hash of the data,
    so they are trained once per change of the training data)."""
    from deskpilot.nlu import model as nlu_model
    from deskpilot.nlu.embedded import EmbeddedUnderstanding
    from deskpilot.nlu.language import LanguageIdentifier

    models = Path(__file__).resolve().parents[1] / ".deskpilot" / "models"
    classifier = nlu_model.load_default(models)
    lang_model = nlu_model.load_language_model(models)
    return EmbeddedUnderstanding(classifier, LanguageIdentifier(lang_model, nlu_model.languages()))


@pytest.fixture
def assistant(db: Database, clock: FixedClock, understanding: object) -> object:
    from deskpilot.engine.assistant import Assistant

    return Assistant(db, understanding, clock=clock)  # type: ignore[arg-type]


class LiveServer:
    """The real app served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app: object) -> None:
        import socket
        import threading

        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=self.port,  # type: ignore[arg-type]
                log_level="warning",
                ws="websockets-sansio",
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_app(
    db: Database, clock: FixedClock, understanding: object
) -> Iterator[tuple[object, LiveServer]]:
    """The whole service on a real port, with a demo agent and supervisor."""
    from deskpilot.api import create_app
    from deskpilot.config import Settings
    from deskpilot.engine.assistant import Assistant

    settings = Settings(database_url=db.url, messages_per_minute=200)
    app = create_app(settings, Assistant(db, understanding, clock=clock))  # type: ignore[arg-type]
    app.state.workspace.create_agent("alex", "agent-pass-1", "agent", "Alex")
    app.state.workspace.create_agent("sam", "super-pass-1", "supervisor", "Sam")
    with LiveServer(app) as server:
        yield app, server


@pytest.fixture(autouse=True)
def _close_api_clients() -> Iterator[None]:
    """Agent clients the API tests opened (tests/clients.py) are closed after each test."""
    from tests.clients import OPEN

    yield
    while OPEN:
        OPEN.pop().close()
