"""One exception tree for the whole package.

Callers catch the branch they can act on; nothing outside this module raises a bare ``Exception``
subclass of its own. Foreign exceptions (httpx, pydantic, yaml, SQLAlchemy) are translated at exactly
one boundary each, so a user never sees a traceback for their own mistake.

    MarketplaceReturnsError
    ├── ConfigError                 a file the user wrote is wrong (profile, playbook, shop settings)
    │   ├── ProfileError            connectors/<platform>/profile.yaml does not load
    │   └── PlaybookError           a playbook does not load or names an unknown field
    ├── InputError                  one input record (a JSON line, an API body) is invalid
    │   └── WebhookRejected         an inbound webhook fails signature, header, window or body checks
    ├── MappingError                a platform record cannot be mapped to a Case
    ├── ConnectorError              talking to a platform failed
    │   ├── TransportError          the connection failed or timed out (retried)
    │   ├── RateLimited             the platform throttled us (retried after its hint)
    │   ├── PlatformUnavailable     5xx / isp.* (retried)
    │   ├── AuthError               bad credentials or session (not retried)
    │   ├── StaleVersion            the refund moved on since we read it (closed, not failed)
    │   └── PlatformRejected        the platform refused the request for good (isv.*, userErrors)
    ├── GuardrailViolation          outgoing text breaks the honest-steering rule
    ├── StoreError                  the database refused an operation
    ├── CorpusError                 the learned reader's labelled corpus cannot be rebuilt as listed
    └── ReaderError                 the learned reader's weights file is missing or corrupt
"""

from __future__ import annotations


class MarketplaceReturnsError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(MarketplaceReturnsError):
    """Raised when a user-written configuration file cannot be used.

    ``file``, ``path`` (dotted key path inside the file) and ``line`` locate the problem.
    """

    def __init__(self, message: str, *, file: str | None = None, path: str | None = None,
                 line: int | None = None, hint: str | None = None) -> None:
        self.message = message
        self.file = file
        self.path = path
        self.line = line
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file + (f":{self.line}" if self.line else ""))
        if self.path:
            where.append(self.path)
        text = (": ".join([" ".join(where), self.message])) if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class ProfileError(ConfigError):
    """Raised when a platform profile (connectors/<platform>/profile.yaml) fails to load."""


class PlaybookError(ConfigError):
    """Raised when a playbook fails to load; ``rule`` names the rule id when known."""

    def __init__(self, message: str, *, file: str | None = None, path: str | None = None,
                 line: int | None = None, hint: str | None = None, rule: str | None = None) -> None:
        self.rule = rule
        if rule and path and not path.startswith(f"rule {rule}"):
            path = f"rule {rule}: {path}"
        elif rule and not path:
            path = f"rule {rule}"
        super().__init__(message, file=file, path=path, line=line, hint=hint)


class InputError(MarketplaceReturnsError):
    """Raised when one input record is invalid; ``line`` and ``field`` locate it."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.message = message
        self.line = line
        self.field = field
        super().__init__(message)


class WebhookRejected(InputError):
    """Raised when an inbound webhook is refused; ``status`` is the HTTP answer, ``reason`` a short code.

    ``field`` names the header or body field at fault. The text never quotes the body or a signature.
    """

    def __init__(self, message: str, *, status: int, reason: str, field: str | None = None) -> None:
        self.status = status
        self.reason = reason
        super().__init__(message, field=field)


class MappingError(MarketplaceReturnsError):
    """Raised when a platform record cannot be mapped to a Case; ``field`` names what failed."""

    def __init__(self, message: str, *, field: str, refund_id: str | None = None) -> None:
        self.message = message
        self.field = field
        self.refund_id = refund_id
        super().__init__(f"{field}: {message}")


class ConnectorError(MarketplaceReturnsError):
    """Raised when a call to a platform fails. Never carries credentials in its text."""

    retryable: bool = False

    def __init__(self, message: str, *, platform: str, code: str | None = None,
                 sub_code: str | None = None, retry_after: float | None = None,
                 response: object | None = None) -> None:
        self.message = message
        self.platform = platform
        self.code = code
        self.sub_code = sub_code
        self.retry_after = retry_after
        self.response = response
        super().__init__(f"{platform}: {message}" + (f" [{code}{'/' + sub_code if sub_code else ''}]"
                                                       if code else ""))


class TransportError(ConnectorError):
    """Raised when the connection fails or times out before a platform answer arrives."""

    retryable = True


class WriteOutcomeUnknown(TransportError):
    """A write failed without an answer (timeout, dropped connection, bare 5xx): it may still land.

    The pusher does not send it again at once: the row stays ``sending`` past a settle window and is
    then claimed as recovering, so the platform's own record is read before any second write.
    """


class RateLimited(ConnectorError):
    """Raised when the platform throttles us; ``retry_after`` is its hint in seconds."""

    retryable = True


class PlatformUnavailable(ConnectorError):
    """Raised on 5xx answers and TOP isp.* sub-codes: the platform's own fault, worth a retry."""

    retryable = True


class AuthError(ConnectorError):
    """Raised when credentials, signature or the seller's session are refused."""


class StaleVersion(ConnectorError):
    """Raised when the refund's version or phase moved on since we read it."""


class PlatformRejected(ConnectorError):
    """Raised when the platform refuses the request for good (isv.*, GraphQL userErrors)."""


class GuardrailViolation(MarketplaceReturnsError):
    """Raised when outgoing text ties money to a reason, a withdrawal, receipt or a review."""

    def __init__(self, message: str, *, phrase: str, rule: str) -> None:
        self.phrase = phrase
        self.rule = rule
        super().__init__(f"{message}: {phrase!r} ({rule})")


class StoreError(MarketplaceReturnsError):
    """Raised when the database refuses an operation the service needed."""


class CorpusError(MarketplaceReturnsError):
    """Raised when the labelled corpus cannot be rebuilt: a source or file is missing, a row is gone,
    a rebuilt text's hash differs from the manifest, or a manifest row is held out.

    ``source`` and ``row`` name the place when known.
    """

    def __init__(self, message: str, *, source: str | None = None, row: str | None = None) -> None:
        self.message = message
        self.source = source
        self.row = row
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ":".join(part for part in (self.source, self.row) if part)
        return f"{where}: {self.message}" if where else self.message


class ReaderError(MarketplaceReturnsError):
    """Raised when the learned reader's weights file is missing or corrupt; ``file`` names it."""

    def __init__(self, message: str, *, file: str) -> None:
        self.message = message
        self.file = file
        super().__init__(f"{file}: {message}")
