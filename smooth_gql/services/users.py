"""User accounts. Logins and registration arrive with the identity work; for now the
local admin that `AUTH_ENABLED=false` acts as must exist as a real row."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from ..auth.principal import LOCAL_ADMIN_EMAIL, LOCAL_ADMIN_ID
from ..db import models
from ..db.types import utcnow
from ..runtime import Runtime
from .unit_of_work import UnitOfWork

USERS = models.table_of(models.User)


async def ensure_local_admin(runtime: Runtime) -> None:
    """Idempotent, and safe when several workers start at once against an empty table."""
    async with UnitOfWork(runtime) as uow:
        exists = await uow.session.execute(select(USERS.c.id).where(USERS.c.id == LOCAL_ADMIN_ID))
        if exists.first() is not None:
            return
        now = utcnow()
        try:
            await uow.session.execute(
                insert(USERS).values(
                    id=LOCAL_ADMIN_ID,
                    email=LOCAL_ADMIN_EMAIL,
                    password_hash=None,
                    is_admin=True,
                    is_active=True,
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
            )
            await uow.commit()
        except IntegrityError:
            pass  # another worker created it first; the unit of work rolls back
