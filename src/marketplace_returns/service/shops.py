"""Shop settings: the ``shops.yaml`` a seller writes, secret references, and the ShopConfig at use.

Why references and not secrets: the database and its backups must not let anyone act as the seller.
A credential in ``shops.yaml`` must read ``env:VAR`` or ``file:/path``; a plain value is refused at
load time, so it never reaches the store. References are resolved at each use (a rotated secret
takes effect without a restart).

Why one bad shop does not stop the file: an agency's file lists many shops; a typo in one must stop
that shop, loudly (``shops.config_error``, an audit event, an error log line), while the others run.

    shops:
      - shop_id: demo-tb
        platform: taobao
        base_url: http://127.0.0.1:8000/router/rest
        credentials: {app_key: env:TB_APP_KEY, app_secret: env:TB_APP_SECRET, session: file:/run/tb-session}
        poll_interval_s: 60
        playbook: taobao-default
        overrides: {...}            # playbook overrides for this shop
        auto_rules: [rule-id, ...]  # omitted: every rule the playbook marks auto; []: none
        options: {deadline_margin_s: 21600, deadline_auto: false, lookback_seconds: 300}
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from sqlmodel import Session

from marketplace_returns.connectors.base import ShopConfig
from marketplace_returns.errors import ConfigError
from marketplace_returns.service import repository as repo
from marketplace_returns.service.tables import Shop
from marketplace_returns.yamlsource import dotted, load_yaml

log = logging.getLogger(__name__)

REF_PREFIXES = ("env:", "file:")


def resolve_secret(ref: str) -> str:
    """The secret a reference points at (``env:VAR`` or ``file:/path``); ConfigError naming only the ref."""
    if ref.startswith("env:"):
        name = ref[4:]
        value = os.environ.get(name)
        if not value:
            raise ConfigError(f"environment variable {name} is not set", path="credentials")
        return value
    if ref.startswith("file:"):
        path = Path(ref[5:]).expanduser()
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read secret file {path}: {exc.strerror}", path="credentials") from None
    raise ConfigError("a credential must be a reference (env:VAR or file:/path), not a value",
                      path="credentials")


class ShopEntry(BaseModel):
    """One shop as written in ``shops.yaml``."""

    model_config = ConfigDict(extra="forbid")

    shop_id: str = Field(min_length=1, max_length=200)
    platform: str = Field(min_length=1)
    base_url: str = Field(min_length=1)
    credentials: dict[str, str] = Field(default_factory=dict)
    sign_method: str = "hmac-sha256"
    poll_interval_s: int = Field(default=60, ge=1, le=86_400)
    playbook: str | None = None
    overrides: dict[str, Any] | None = None
    auto_rules: list[str] | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    active: bool = True

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, value: str) -> str:
        """Caught here, not at the first poll: ``shopfy`` is a typo the seller should see at once."""
        import difflib

        from marketplace_returns.connectors.registry import connector_names

        known = connector_names()
        if value not in known:
            close = difflib.get_close_matches(value, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(f"unknown platform {value!r}; {hint}known: {', '.join(known)}")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base_url {value!r} must start with https:// (or http:// for a local sandbox)")
        return value

    @field_validator("credentials")
    @classmethod
    def _references_only(cls, value: dict[str, str]) -> dict[str, str]:
        for name, ref in value.items():
            if not ref.startswith(REF_PREFIXES):
                raise ValueError(f"credential {name!r} must be env:VAR or file:/path, not a plain value")
        return value


class ShopFileError(BaseModel):
    shop_id: str | None
    message: str


def load_shops_file(path: Path) -> tuple[list[ShopEntry], list[ShopFileError]]:
    """Every valid shop of the file, and one error per malformed shop (file/key/line in the message)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read shops file: {exc.strerror}", file=str(path)) from None
    source = load_yaml(text, file=str(path))
    data = source.data
    items = data.get("shops") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ConfigError("expected a top-level 'shops:' list", file=str(path), line=source.line_of(()))
    entries: list[ShopEntry] = []
    errors: list[ShopFileError] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        shop_id = item.get("shop_id") if isinstance(item, dict) else None
        shop_id = shop_id if isinstance(shop_id, str) and shop_id else None
        try:
            entry = ShopEntry.model_validate(item)
        except ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            loc = ("shops", i, *first["loc"])
            err = ConfigError(first["msg"], file=str(path), path=dotted(loc), line=source.line_of(loc))
            errors.append(ShopFileError(shop_id=shop_id, message=str(err)))
            continue
        if entry.shop_id in seen:
            err = ConfigError(f"shop {entry.shop_id!r} listed twice", file=str(path),
                              path=dotted(("shops", i)), line=source.line_of(("shops", i)))
            errors.append(ShopFileError(shop_id=entry.shop_id, message=str(err)))
            continue
        seen.add(entry.shop_id)
        entries.append(entry)
    return entries, errors


def save_shops(session: Session, *, entries: list[ShopEntry], errors: list[ShopFileError],
               now: datetime, actor: str = "config") -> None:
    """Upsert the valid shops (clearing old errors) and flag the malformed ones (caller commits)."""
    for entry in entries:
        row = session.get(Shop, entry.shop_id) or Shop(shop_id=entry.shop_id, platform=entry.platform,
                                                       base_url=entry.base_url, created_at=now)
        for name, value in entry.model_dump(exclude={"shop_id", "credentials"}).items():
            setattr(row, name, value)
        row.credentials_ref = dict(entry.credentials)
        row.config_error = None
        session.add(row)
        repo.append_audit(session, actor=actor, event="shop_configured", now=now, shop_id=entry.shop_id,
                          detail={"platform": entry.platform, "credentials": sorted(entry.credentials)})
    for error in errors:
        flag_shop_error(session, shop_id=error.shop_id, message=error.message, now=now, actor=actor)


def flag_shop_error(session: Session, *, shop_id: str | None, message: str, now: datetime,
                    actor: str) -> None:
    """Stop one shop loudly: ``config_error`` on its row, an audit event, an error in the log."""
    log.error("shop %s stopped: %s", shop_id or "(no shop_id)", message)
    if shop_id is None:
        repo.append_audit(session, actor=actor, event="config_error", now=now, detail={"message": message})
        return
    if session.get(Shop, shop_id) is None:
        session.add(Shop(shop_id=shop_id, platform="unknown", base_url="", active=True, created_at=now))
        session.flush()
    repo.set_shop_error(session, shop_id=shop_id, error=message)
    repo.append_audit(session, actor=actor, event="config_error", now=now, shop_id=shop_id,
                      detail={"message": message})


def shop_config(shop: Shop) -> ShopConfig:
    """The connector's view of a shop, with references resolved now (ConfigError if one does not)."""
    credentials: dict[str, SecretStr] = {}
    for name, ref in (shop.credentials_ref or {}).items():
        try:
            credentials[name] = SecretStr(resolve_secret(ref))
        except ConfigError as exc:
            raise ConfigError(exc.message, path=f"shops.{shop.shop_id}.credentials.{name}") from None
    options = dict(shop.options or {})
    extra: dict[str, Any] = {}
    for key in ("lookback_seconds", "page_size"):
        if key in options:
            extra[key] = options.pop(key)
    try:
        return ShopConfig(shop_id=shop.shop_id, platform=shop.platform, base_url=shop.base_url,
                          credentials=credentials, sign_method=shop.sign_method, options=options, **extra)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        raise ConfigError(first["msg"], path=f"shops.{shop.shop_id}.{dotted(tuple(first['loc']))}") from None


def remove_shop(session: Session, *, shop_id: str, now: datetime, force: bool = False) -> int:
    """Remove a shop: its settings, poll cursor and API tokens go; its cases, decisions, tasks and audit
    trail stay (the record of what was done). Refused while actions wait to be pushed for it, unless
    ``force`` (they then go to the dead letter: "shop no longer exists"). Returns the cases kept."""
    from sqlmodel import col, delete, func, select

    from marketplace_returns.errors import InputError
    from marketplace_returns.service.tables import ApiToken, CaseRecord, OutboxAction, PollCursor

    if session.get(Shop, shop_id) is None:
        raise InputError(f"no shop {shop_id!r}", field="shop")
    waiting = int(session.exec(select(func.count()).select_from(OutboxAction).where(
        OutboxAction.shop_id == shop_id, col(OutboxAction.status).in_(("pending", "sending")))).one())
    if waiting and not force:
        raise InputError(f"shop {shop_id!r} has {waiting} action(s) waiting to be pushed; let them finish "
                         "(queue dead, run) or remove it with --force", field="shop")
    cases = int(session.exec(select(func.count()).select_from(CaseRecord)
                             .where(CaseRecord.shop_id == shop_id)).one())
    session.execute(delete(PollCursor).where(col(PollCursor.shop_id) == shop_id))
    session.execute(delete(ApiToken).where(col(ApiToken.shop_id) == shop_id))
    session.execute(delete(Shop).where(col(Shop.shop_id) == shop_id))
    repo.append_audit(session, actor="config", event="shop_removed", now=now, shop_id=shop_id,
                      detail={"cases_kept": cases, "actions_waiting": waiting})
    return cases
