"""The console commands as a test drives them: `smooth_gql.cli.main` with its stdin."""

from __future__ import annotations

import io
import uuid

import pytest

from smooth_gql.cli import main

PASSWORD = "correct horse battery\n"  # create-user reads it from stdin's first line


def console_user(capsys: pytest.CaptureFixture[str], prefix: str = "user") -> str:
    """A fresh account made with `create-user`; its e-mail. Unique: a PostgreSQL database
    is shared by the tests of one worker."""
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
    assert main(["create-user", "--email", email], stdin=io.StringIO(PASSWORD)) == 0
    capsys.readouterr()
    return email
