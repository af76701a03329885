"""What one process gives every layer that touches data: sessions, settings, commit listeners.

A leaf module (it imports only config and SQLAlchemy), so that auth, changes,
loaders, the doors and services can all be handed a `Runtime` without any of
them importing another layer to get its type (DESIGN §1; tests/ops/test_layers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .config import Settings

ChangeNotifier = Callable[[int], None]


@dataclass(frozen=True)
class Runtime:
    """What services need from the process: sessions, limits, and who to tell about commits."""

    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    notify: ChangeNotifier | None = None
