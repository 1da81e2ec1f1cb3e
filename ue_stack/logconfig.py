"""structlog for the application's own diagnostics, configured once, when first needed:
never at import, never per run, and not eagerly at start-up (structlog's import was about
half of what starting ``ue-stack replay`` cost, and no command emits a diagnostic through
it, so the CLI does not pay for it; a Ray worker calls ``configure_once``). The exchange
log does not pass through here: the bus hands each exchange to an explicit sink
(``ue_stack.sink``), so an application embedding ue_stack keeps its own logging set-up.

The chain: context variables, ``redact_secrets`` (the same guard the bus applies to every
exchange record), level and time stamp, one line on stderr.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from .sink import redact


def redact_secrets(_logger: Any, _method: str,
                   event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Drop every secret-named field; a ``Key`` under any other name becomes ``<redacted>``."""
    return redact(event_dict)


def configure_once() -> None:
    """``configure()`` unless structlog is configured already: an embedding application's
    own set-up stays."""
    if not structlog.is_configured():
        configure()


def configure(stream: TextIO | None = None, level: int = logging.WARNING) -> None:
    """Diagnostics of the command line to ``stream`` (stderr), at ``level`` and above."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            redact_secrets,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=True,
    )
