"""HTTP clients for the API tests: a customer with a signed token, an agent signed in.

Agent clients are closed after each test by the autouse fixture in tests/conftest.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from deskpilot.api.auth import issue_token
from deskpilot.config import DEMO_SECRET

OPEN: list[httpx.Client] = []


def customer_client(url: str, customer_id: int, **kw: Any) -> httpx.Client:
    token = issue_token(DEMO_SECRET, "customer", customer_id, datetime.now(UTC), 60, **kw)
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def agent_client(url: str, username: str, password: str) -> httpx.Client:
    res = httpx.post(f"{url}/api/v1/agent/login", json={"username": username, "password": password})
    assert res.status_code == 200, res.text
    client = httpx.Client(
        base_url=url, timeout=60, headers={"Authorization": f"Bearer {res.json()['token']}"}
    )
    OPEN.append(client)
    return client
