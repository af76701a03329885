"""Structured JSON logs: one JSON object per line, with the request id when there is one.

Our modules log through the standard `logging` module (as do uvicorn,
SQLAlchemy and Alembic); structlog's `ProcessorFormatter` renders every record
the same way, adding what is bound in structlog's context variables (the
request id). Configured once, at start-up, from LOG_LEVEL.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog
from structlog.typing import Processor

# Stamped on the handler we install, so configuring twice replaces it instead of doubling lines.
_OURS = "smooth_gql_json"

_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def json_formatter() -> logging.Formatter:
    """Renders stdlib records and structlog events alike as one JSON line."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )


class _CurrentStderr(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is when a record comes, like logging's last resort
    (something may have replaced it since start-up: a test runner's capture, a daemonizer)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(level: str, stream: TextIO | None = None) -> None:
    """Route every logger of the process through one JSON handler on the root logger."""
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler: logging.Handler = _CurrentStderr() if stream is None else logging.StreamHandler(stream)
    handler.set_name(_OURS)
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _OURS]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic reports each step at INFO ("Context impl SQLiteImpl.", "Will assume transactional
    # DDL."), even when it only reads the schema revision: noise in every CLI command's output.
    # Our own lines say what a migration did; LOG_LEVEL=DEBUG still shows Alembic's.
    logging.getLogger("alembic").setLevel(logging.NOTSET if level.upper() == "DEBUG" else logging.WARNING)
    # uvicorn's loggers log through the root handler rather than their own text ones.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
