"""An app served by a real uvicorn on 127.0.0.1, inside the test's event loop (WebSocket and SSE
clients need a socket): the one start-up, bounded wait and stop the live fixtures share."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def served(app: Any, **config: Any) -> AsyncIterator[int]:
    """Serve `app` on a free port of 127.0.0.1 (yielded) until the block ends; `config` adds
    uvicorn.Config options."""
    import uvicorn

    options = {"host": "127.0.0.1", "port": 0, "log_level": "warning", "lifespan": "on", **config}
    server = uvicorn.Server(uvicorn.Config(app, **options))
    task = asyncio.create_task(server.serve())
    for _ in range(200):  # bounded wait for start-up
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
