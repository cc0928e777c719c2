"""Limits on what the HTTP API accepts: body size, ids, pages, periods, amounts and text.

Why one module: every refusal here is a 413 or a 422 that names the field, decided before any query
runs; left to the database or the report builder the same inputs were 500s (an id past SQLite's 64-bit
integers, a lone surrogate the driver cannot encode, a date before year 1) or minutes of work and
hundreds of megabytes (``/metrics?since=0002-01-01``). The body limit is enforced by the framework's
streaming limiter (``FastAPI(max_body_size=...)``), which counts bytes as they arrive, chunked or not,
and refuses a declared ``Content-Length`` before reading anything — before authentication too, since
FastAPI reads the body before it resolves the token dependency.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final

from fastapi import Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

MAX_BODY_BYTES: Final = 1024 * 1024
"""The largest request body: the webhook receiver's own limit (a reply is at most 2,000 characters)."""
MAX_DB_INT: Final = 2**63 - 1
"""Integers above this do not fit a 64-bit column (SQLite raised OverflowError: a 500). The API's ids
are opaque strings checked by pattern; its offsets stop far below this at ``MAX_OFFSET``."""
MAX_OFFSET: Final = 100_000
"""The deepest page a list route serves (records past it are for an export, not a page)."""
MAX_PERIOD_DAYS: Final = 366
"""The longest period a report or an anomaly scan covers."""
FIRST_DAY: Final = date(2000, 1, 1)
LAST_DAY: Final = date(2100, 12, 31)
"""Days a period may start or end on: nothing this store holds lies outside them."""
AMOUNT_MAX: Final = Decimal("999999999999.99")

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


AMOUNT_PATTERN: Final = r"^(?:0\.(?:0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,11}(?:\.[0-9]{1,2})?)$"
"""A decimal amount as text: above zero, ASCII digits, at most two decimals, no leading zeros."""
_AMOUNT = re.compile(AMOUNT_PATTERN, re.ASCII)


def parse_amount(value: Any) -> Decimal:
    """A money amount: a whole number (JSON integer) or a decimal string like ``"12.50"``; else ValueError.

    Refused: ``Infinity``, ``NaN``, ``1e400``, ``0``, ``" 1 "``, ``1_000``, ``١٢`` (Arabic-Indic
    digits, which ``Decimal()`` would take), ``12.345``, a bool, and any JSON number with a fraction
    (a binary float cannot hold cents exactly: send ``"12.50"``). Exactly what the published schema says.
    """
    if isinstance(value, bool):
        raise ValueError("an amount is a number, not a boolean")
    if isinstance(value, int):
        if not 1 <= value <= int(AMOUNT_MAX):
            raise ValueError(f"an amount must lie between 1 and {int(AMOUNT_MAX)}")
        return Decimal(value)
    if isinstance(value, float):
        raise ValueError('an amount with decimals is sent as a string ("12.50"), not a JSON float')
    if isinstance(value, Decimal):  # a Python caller (the CLI)
        value = format(value, "f") if value.is_finite() else str(value)
    if not isinstance(value, str) or _AMOUNT.fullmatch(value) is None:
        raise ValueError("an amount is above zero, ASCII digits with at most two decimals "
                         '(12 or "12.50"), without spaces, signs, exponents or separators')
    try:
        return Decimal(value)
    except InvalidOperation:  # unreachable after the pattern, kept as a guard
        raise ValueError("not a decimal amount") from None


def check_text(value: str) -> str:
    """Text that can be stored and sent: encodable as UTF-8 (no lone surrogates), no NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text holds a lone surrogate (not valid Unicode)") from None
    if "\x00" in value:
        raise ValueError("text holds a NUL character")
    return value


AMOUNT_SCHEMA: Final[dict[str, Any]] = {
    "anyOf": [{"type": "integer", "minimum": 1, "maximum": int(AMOUNT_MAX)},
              {"type": "string", "pattern": AMOUNT_PATTERN}],
    "description": 'Above zero: a whole number, or a string with at most two decimals ("12.50")'}
Amount = Annotated[Decimal, BeforeValidator(parse_amount), WithJsonSchema(AMOUNT_SCHEMA, mode="validation")]
"""A money amount as the API accepts it (see :func:`parse_amount`)."""
SafeText = Annotated[str, AfterValidator(check_text)]


def check_period(since: date, until: date, *, max_days: int = MAX_PERIOD_DAYS) -> str | None:
    """Why the period ``[since, until]`` (both days included) is refused, or ``None``."""
    for name, day in (("since", since), ("until", until)):
        if not FIRST_DAY <= day <= LAST_DAY:
            return f"{name} must lie between {FIRST_DAY} and {LAST_DAY}"
    if (until - since).days + 1 > max_days:
        return f"a period covers at most {max_days} days"
    return None


def _printable(value: Any) -> Any:
    """``value`` as JSON can carry it: a non-finite float as text, a lone surrogate escaped."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    return value


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 body, made encodable: the default handler echoes the refused input, and an input of
    ``NaN`` or ``"\\ud800"`` then failed to encode as JSON — a 500 in place of the 422."""
    assert isinstance(exc, RequestValidationError)
    errors = [{k: v for k, v in error.items() if k != "ctx"} for error in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(_printable(errors))}, status_code=422)
