"""Masking of personal data and credentials in log records, before any handler sees them.

Why two mechanisms: a ``logging.Filter`` attached to a logger only runs for records created on that
very logger, not for records of its children that propagate through it (``marketplace_returns.service.api``
would slip past a filter on ``marketplace_returns``). Handlers see every record, but the service does
not own every handler (uvicorn, pytest's caplog, a user's own configuration). So
:func:`install_log_masking` wraps the process's LogRecord factory: every record is masked when it is
created, whichever logger made it and wherever it goes. :class:`PiiLogFilter` is also exported for
people who prefer to attach it to their own handlers.

A masked record has its final text in ``msg`` and no ``args``: formatting happens once, here, so that
a secret passed as an argument (``log.info("calling %s", url)``) is masked like one in the message.
Exception text is formatted and masked too (``exc_text``), since tracebacks quote values.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from marketplace_returns.security.pii import mask_text

PACKAGE_LOGGER = "marketplace_returns"

_formatter = logging.Formatter()
_lock = threading.Lock()
_installed: list[Callable[..., logging.LogRecord]] = []


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask ``record`` in place (message with its args, exception and stack text) and return it."""
    if getattr(record, "_mr_masked", False):
        return record
    try:
        text = record.getMessage()
    except Exception:  # a bad format string must not let the raw args through
        text = f"{record.msg!s} {record.args!r}"
    record.msg = mask_text(text)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = _formatter.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    setattr(record, "_mr_masked", True)  # noqa: B010 (LogRecord has no declared slot for it)
    return record


class PiiLogFilter(logging.Filter):
    """A filter that masks every record it sees and never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def mask_args(record: logging.LogRecord) -> logging.LogRecord:
    """Mask ``record``'s string arguments in place, keeping ``args`` a tuple of the same shape.

    For uvicorn's access lines: its formatter unpacks ``args`` (client, method, path, version, status),
    so they cannot be folded into the message, yet the path carries the query string — and a client
    that sends ``?token=...`` would write its API token into the access log.
    """
    if isinstance(record.args, tuple):
        record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in record.args)
    return record


def install_log_masking(*, prefixes: tuple[str, ...] | None = None,
                        exclude: tuple[str, ...] = ("uvicorn.access",)) -> Callable[[], None]:
    """Mask every log record of this process from now on; returns a function that undoes it.

    ``prefixes`` limits masking to loggers whose name starts with one of them (``None``: all loggers,
    which also covers httpx's request lines and SQLAlchemy's echoed parameters). ``exclude`` names
    loggers whose records keep their ``args`` tuple (uvicorn's access formatter unpacks it): their
    string arguments are masked one by one instead (:func:`mask_args`; the path's query string too).
    The package logger also gets a :class:`PiiLogFilter`. Calling it twice installs it once.
    """
    with _lock:
        if _installed:
            return uninstall_log_masking
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if record.name.startswith(exclude):
                mask_args(record)
            elif prefixes is None or record.name.startswith(prefixes):
                mask_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed.append(previous)
        package = logging.getLogger(PACKAGE_LOGGER)
        if not any(isinstance(f, PiiLogFilter) for f in package.filters):
            package.addFilter(PiiLogFilter())
    return uninstall_log_masking


def uninstall_log_masking() -> None:
    """Restore the LogRecord factory that was in place before :func:`install_log_masking`."""
    with _lock:
        if not _installed:
            return
        logging.setLogRecordFactory(_installed.pop())
        package = logging.getLogger(PACKAGE_LOGGER)
        for f in [f for f in package.filters if isinstance(f, PiiLogFilter)]:
            package.removeFilter(f)
