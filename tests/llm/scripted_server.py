"""A small OpenAI-compatible server for tests: it answers ``POST /v1/chat/completions``
from a script and records every request, so tests can assert what a model was sent.

    with ScriptedLLM() as llm:
        llm.script(content='{"intent": "refund"}')
        llm.script(status=500)
        llm.script(delay=3, content="late")
        client = OpenAICompatibleClient(llm.base_url, "m", None, timeout=1, ...)
        ...
        assert llm.requests[0]["messages"] == [...]

When the script runs out, ``responder`` (a function of the request body returning the
content) answers if one was given; otherwise the server answers 503 "script exhausted".
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response


@dataclass(frozen=True)
class Scripted:
    """One scripted answer: a completion with ``content``, or an HTTP ``status`` error, or
    a raw ``body`` (a string sent as is, or a dict sent as JSON), after ``delay`` seconds."""

    content: str | None = None
    status: int = 200
    delay: float = 0.0
    body: str | dict[str, Any] | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    usage: bool = True


class ScriptedLLM:
    """The scripted server on a free 127.0.0.1 port, in a background thread."""

    def __init__(
        self,
        model: str = "scripted-model",
        responder: Callable[[dict[str, Any]], str] | None = None,
    ) -> None:
        self.model = model
        self.responder = responder
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._script: deque[Scripted] = deque()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port: int = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        config = uvicorn.Config(
            self._app(),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def script(
        self,
        content: str | None = None,
        *,
        status: int = 200,
        delay: float = 0.0,
        body: str | dict[str, Any] | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        usage: bool = True,
    ) -> None:
        """Queue the next answer (see :class:`Scripted`)."""
        self._script.append(
            Scripted(content, status, delay, body, prompt_tokens, completion_tokens, usage)
        )

    @property
    def pending(self) -> int:
        """Scripted answers not yet used."""
        return len(self._script)

    def __enter__(self) -> ScriptedLLM:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("scripted LLM server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v1/models")
        def models() -> dict[str, Any]:
            entry = {"id": self.model, "object": "model", "owned_by": "deskpilot-tests"}
            return {"object": "list", "data": [entry]}

        @app.post("/v1/chat/completions")
        async def chat_completions(request: Request) -> Response:
            raw = await request.body()
            self.headers.append(dict(request.headers))
            try:
                body = await request.json()
            except ValueError:
                body = {"unparsed": raw.decode("utf-8", "replace")}
            self.requests.append(body)
            return await self._answer(body)

        return app

    async def _answer(self, body: dict[str, Any]) -> Response:
        if self._script:
            step = self._script.popleft()
        elif self.responder is not None:
            step = Scripted(content=self.responder(body))
        else:
            step = Scripted(status=503, body={"error": {"message": "script exhausted"}})
        if step.delay:
            await asyncio.sleep(step.delay)
        if isinstance(step.body, str):
            return Response(step.body, status_code=step.status, media_type="application/json")
        if step.body is not None:
            return JSONResponse(step.body, status_code=step.status)
        if step.status != 200:
            error = {"message": f"scripted HTTP {step.status}", "type": "scripted"}
            return JSONResponse({"error": error}, status_code=step.status)
        return JSONResponse(self._completion(body, step))

    def _completion(self, body: dict[str, Any], step: Scripted) -> dict[str, Any]:
        content = step.content or ""
        prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
        payload: dict[str, Any] = {
            "id": f"chatcmpl-scripted-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
        if step.usage:
            prompt = step.prompt_tokens if step.prompt_tokens is not None else prompt_chars // 4
            completion = (
                step.completion_tokens if step.completion_tokens is not None else len(content) // 4
            )
            payload["usage"] = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
        return payload
