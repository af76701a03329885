"""The two ways a backup document is refused, each with the contract's message prefix."""

from __future__ import annotations

from ..errors import BadInput, Reason


class InvalidBackup(BadInput):
    """A document that cannot be restored; the message starts `Validation error: `."""

    default_reason = Reason.INVALID_BACKUP

    def __init__(self, problem: str) -> None:
        super().__init__(f"Validation error: {problem}", field="document", prefixed=False)


class IncompatibleBackup(BadInput):
    """A document from a newer format or schema; the message starts `Version error: `."""

    default_reason = Reason.INCOMPATIBLE_BACKUP

    def __init__(self, problem: str) -> None:
        super().__init__(f"Version error: {problem}", field="document", prefixed=False)
