"""Real `smooth-gql serve` processes for tests: started on 127.0.0.1, stopped (or killed) by the test."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import httpx


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _plain_postgres_url(url: str) -> str:
    """The fixture's postgresql+asyncpg:// URL the way an operator writes it (the app picks the driver)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@dataclass
class ServeProcess:
    """One `smooth-gql serve` process (with its own workers, if asked) on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int
    output: IO[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def log_tail(self) -> str:
        self.output.flush()
        self.output.seek(0)
        return self.output.read().decode(errors="replace")[-4000:]

    async def wait_ready(self, client: httpx.AsyncClient, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout  # a bound on the wait, not a timing assertion
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"serve on port {self.port} exited ({self.process.returncode}):\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.TransportError):
                response = await client.get(f"{self.base_url}/ready", timeout=2)
                if response.status_code == 200:
                    return
            await asyncio.sleep(0.1)
        raise AssertionError(f"serve on port {self.port} not ready within {timeout:g} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM (uvicorn shuts down gracefully, ending subscriptions), then SIGKILL; bounded."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


@contextlib.contextmanager
def serve(database_url: str, *extra: str, env: dict[str, str] | None = None) -> Iterator[ServeProcess]:
    """`env` adds to (or overrides) the variables the server starts with (AUTH_ENABLED=true too)."""
    port = _free_port()
    env = {
        **os.environ,
        "AUTH_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "SMOOTH_KEEP_ALIVE_SECONDS": "2",
        **(env or {}),
        "SMOOTH_DATABASE_URL": _plain_postgres_url(database_url),
    }
    command = [
        sys.executable,
        "-m",
        "smooth_gql.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *extra,
    ]
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        server = ServeProcess(process, port, output)
        try:
            yield server
        finally:
            server.stop()


async def gql(
    client: httpx.AsyncClient, server: ServeProcess, query: str, variables: dict[str, Any] | None = None
) -> Any:
    response = await client.post(
        f"{server.base_url}/graphql", json={"query": query, "variables": variables or {}}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]
