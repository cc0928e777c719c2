"""Masking of buyers' personal data, and redaction of credentials, in text and in payloads.

Why here and not in each caller: personal data arrives in three shapes (free text a buyer typed,
structured platform records, log lines built from either) and leaves through three doors (logs,
reports, the API). One set of patterns, applied at the doors, is easier to keep right than many.

Two strengths:

- *masking* keeps enough for a rep to recognise a case (``138****5678``, ``张*``, ``j***@example.com``,
  ``[address]``) and is what logs and reports show;
- *purging* (``mask_payload(obj, purge=True)``) blanks free text and personal fields entirely; it is
  what :func:`marketplace_returns.security.purge.purge_buyer` writes back to the store.

Credentials are a separate concern with a stricter rule: they are replaced by ``[redacted]``
whatever the strength (:func:`redact_secrets`). The patterns are heuristics: they are tuned to catch
the personal data these platforms carry (CN and international phones, e-mail, CN and English street
addresses, names and nicks in labelled positions and in structured fields) and to leave product
words alone; a name written bare in free text with no label is caught only when the same payload
names that person in a structured field.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any

REDACTED = "[redacted]"
ADDRESS = "[address]"
PURGED = "[purged]"

# --- credentials -----------------------------------------------------------------------------------

SECRET_KEYS = frozenset({
    "app_secret", "appsecret", "client_secret", "secret", "session", "sessionkey", "session_key",
    "access_token", "accesstoken", "refresh_token", "sign", "x-shopify-access-token", "authorization",
    "password", "passwd", "api_key", "apikey", "token", "x-shopify-hmac-sha256", "cookie",
})
"""Keys (compared lower-cased, ``-`` kept) whose values are credentials."""

_KEYS = (r"app_?secret|client_secret|session(?:_?key)?|(?:[a-z]+_)?token|accesstoken|sign"
         r"|x-shopify-access-token|x-shopify-hmac-sha256|password|api_?key|authorization")
_SECRET_KV = re.compile(
    rf"""(?ix)
    (?: (?P<key>["']?\b(?:{_KEYS})\b["']?) (?P<sep>\s*[:=]\s*)
      | (?P<qkey>["'](?:{_KEYS})["']) (?P<qsep>\s*,\s*) )
    (?P<q>["']?)
    (?P<val>(?:bearer\s+)?[^\s"'&,;)}}\]]+)
    """,
)
_SECRET_SHAPES = re.compile(
    r"\b(?:shp(?:at|ss|ca|pa)_[0-9A-Za-z]{16,}|mrt_[0-9A-Za-z_-]{20,}|6[0-9a-f]{39,})\b"
    r"|(?i:\bbearer\s+[0-9A-Za-z._~+/=-]{8,})",
)
"""Shopify tokens, our own API tokens, TOP session keys (hex starting with 6), bearer values."""


def _redact_kv(m: re.Match[str]) -> str:
    # A tuple repr such as ('session', 'abc') separates a quoted key and its value with a comma.
    if m["key"] is not None:
        return f"{m['key']}{m['sep']}{m['q']}{REDACTED}"
    return f"{m['qkey']}{m['qsep']}{m['q']}{REDACTED}"


def redact_text(text: str) -> str:
    """``text`` with credential values (``key=value``, ``"key": "value"``, token shapes) removed."""
    text = _SECRET_KV.sub(_redact_kv, text)
    return _SECRET_SHAPES.sub(REDACTED, text)


def redact_secrets(obj: Any) -> Any:
    """A copy of ``obj`` (str, dict, list, tuple) with every credential value replaced by ``[redacted]``."""
    if isinstance(obj, str):
        return redact_text(obj)
    if isinstance(obj, dict):
        return {k: (REDACTED if isinstance(k, str) and k.lower() in SECRET_KEYS and v not in (None, "")
                    else redact_secrets(v)) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(redact_secrets(v) for v in obj)
    return obj


# --- personal data in free text --------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)", re.ASCII)
_CN_MOBILE = re.compile(r"(?<![\d+])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)")
_CN_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")
_INTL_PHONE = re.compile(r"(?<![\w+])\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d[\d\s.-]{5,14}\d(?!\d)")
_NANP_PHONE = re.compile(r"(?<![\w+])(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4}(?!\d)")

_STOP = "我你您他她它的了在是住寄送给从把请和与及或，。、；：！？,.;:!? \t\n"
_UNIT = rf"[^{_STOP}\d]{{1,8}}?"
_ADMIN = r"(?:省|自治区|特别行政区|市|自治州|盟|地区|区|县|旗|镇|乡|街道)"
_STREET = r"(?:大道|路|街|巷|弄|胡同|村|小区|花园|公寓|大厦)"
_NUMBERED = r"(?:[0-9０-９一二三四五六七八九十百零]+(?:号楼|号院|号|栋|幢|座|单元|层|楼|室|户))"
_CN_ADDRESS = re.compile(
    rf"(?:{_UNIT}{_ADMIN}){{1,5}}(?:{_UNIT}{_STREET})(?:(?:{_UNIT})?{_NUMBERED}|-?\d+)*"
    rf"|{_UNIT}{_STREET}{_NUMBERED}(?:{_NUMBERED}|-?\d+)*"
)
_EN_STREET = (r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
              r"|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Square|Sq|Close|Crescent|Cres)")
_EN_ADDRESS = re.compile(
    rf"\b\d{{1,6}}[A-Za-z]?\s+(?:[A-Z][\w'-]*\.?\s+){{0,4}}{_EN_STREET}\b\.?"
    r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\.?\s*#?[\w-]+)?"
    r"(?:,\s*[A-Z][A-Za-z .'-]{1,30}(?:,\s*[A-Z]{2})?(?:\s+\d{5}(?:-\d{4})?)?)?",
)
_LABELLED_NAME = re.compile(
    r"(?P<label>(?:收货人|收件人|联系人|姓名|买家昵称|买家|昵称|旺旺|会员名)\s*[:：]\s*)(?P<name>[^\s,，。;；:：]{1,24})"
    r"|(?P<label_en>\b(?:[Mm]y name is|[Nn]ame\s*:|[Rr]ecipient\s*:|[Cc]ontact\s*:|[Ss]incerely,?|"
    r"[Rr]egards,?)\s+)(?P<name_en>[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+){0,2})",
)


def mask_name(name: str) -> str:
    """``张三`` → ``张*``, ``John Smith`` → ``J***``: the first character only."""
    name = name.strip()
    if not name:
        return name
    return name[0] + ("*" if "\u4e00" <= name[0] <= "\u9fff" else "***")


def mask_identifier(value: str | None) -> str | None:
    """A buyer id or nick as a report may show it: ``tb小明abc`` → ``t***c·5c1f0e``.

    The hash suffix keeps distinct buyers distinct (a repeat-refunder table still groups correctly)
    without showing the id; a purge pseudonym (``purged:…``) is already safe and is returned as is.
    """
    if value is None or value == "" or value.startswith("purged:"):
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    shown = value[0] + "***" + (value[-1] if len(value) > 3 else "")
    return f"{shown}·{digest}"


def _mask_email(m: re.Match[str]) -> str:
    return f"{m[1]}***@{m[2]}"


def _mask_mobile(m: re.Match[str]) -> str:
    return f"{m[1]}****{m[2]}"


def _mask_digits(m: re.Match[str]) -> str:
    text = m[0]
    digits = sum(c.isdigit() for c in text)
    seen = 0
    out = []
    for c in text:
        if c.isdigit():
            seen += 1
            out.append(c if seen > digits - 2 else "*")
        else:
            out.append(c)
    return "".join(out)


def _mask_label(m: re.Match[str]) -> str:
    if m["label"] is not None:
        return m["label"] + mask_name(m["name"])
    return m["label_en"] + mask_name(m["name_en"])


def mask_text(text: str, *, names: Iterable[str] = ()) -> str:
    """``text`` with phones, e-mails, street addresses, labelled names and credentials masked.

    ``names`` are personal names known from the same record (a structured ``receiver_name``,
    ``buyer_nick``, a customer's first and last name): they are masked wherever they occur.
    """
    if not text:
        return text
    text = redact_text(text)
    for known in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        if known.isascii():
            text = re.sub(rf"(?<!\w){re.escape(known)}(?!\w)", mask_name(known), text)
        else:
            text = text.replace(known, mask_name(known))
    text = _EMAIL.sub(_mask_email, text)
    text = _CN_ADDRESS.sub(ADDRESS, text)
    text = _EN_ADDRESS.sub(ADDRESS, text)
    text = _CN_MOBILE.sub(_mask_mobile, text)
    text = _INTL_PHONE.sub(_mask_digits, text)
    text = _NANP_PHONE.sub(_mask_digits, text)
    text = _CN_LANDLINE.sub(_mask_digits, text)
    return _LABELLED_NAME.sub(_mask_label, text)


# --- personal data in structured payloads ----------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _norm(key: str) -> str:
    """``buyerNick``, ``Buyer-Nick`` and ``buyer_nick`` are one key (GraphQL payloads are camelCase)."""
    return _CAMEL.sub("_", key).lower().replace("-", "_")


NAME_KEYS = frozenset({
    "buyer_nick", "nick", "receiver_name", "first_name", "last_name", "firstname", "lastname",
    "full_name", "fullname", "buyer_name", "customer_name", "contact_name", "recipient_name",
    "display_name", "alipay_account", "buyer_email",
})
"""Keys that always hold a person's name or account."""

CONTACT_KEYS = frozenset({
    "phone", "mobile", "tel", "telephone", "email", "receiver_mobile", "receiver_phone", "address",
    "address1", "address2", "street", "receiver_address", "receiver_zip", "zip", "postal_code",
    "postcode", "receiver_town", "receiver_district", "buyer_phone", "buyer_mobile", "contact_email",
})
"""Keys that always hold contact data (masked as a whole)."""

PERSON_CONTAINERS = frozenset({
    "customer", "buyer", "receiver", "shipping_address", "billing_address", "default_address",
    "addresses", "contact", "recipient", "shippingaddress", "billingaddress", "defaultaddress",
})
"""Objects inside which ``name`` and ``company`` are a person's (elsewhere ``name`` is often a
product or a return's ``#1001-R1``)."""

FREE_TEXT_KEYS = frozenset({
    "message", "desc", "description", "customer_note", "customernote", "note", "return_reason_note",
    "returnreasonnote", "buyer_message", "reason_note", "content", "remark", "memo",
})
"""Keys holding text a buyer wrote: masked by pattern, blanked on purge."""

_CONTAINER_ONLY = frozenset({"name", "company", "city", "province", "state", "district", "town"})


def _collect_names(obj: Any, inside_person: bool, out: set[str]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            key = _norm(str(k))
            person = inside_person or key in PERSON_CONTAINERS
            if isinstance(v, str) and (key in NAME_KEYS or (person and key == "name")):
                out.add(v)
            else:
                _collect_names(v, person, out)
    elif isinstance(obj, list | tuple):
        for v in obj:
            _collect_names(v, inside_person, out)


def collect_names(obj: Any) -> set[str]:
    """Personal names and nicks found in a payload's structured fields (to mask them in other text)."""
    out: set[str] = set()
    _collect_names(obj, False, out)
    return {n for n in out if n.strip()}


def _mask_field(key: str, value: str, purge: bool) -> str:
    if purge:
        return PURGED if value else value
    if key in NAME_KEYS or key in ("name", "company"):
        return mask_name(value)
    masked = mask_text(value)
    return masked if masked != value else (ADDRESS if "address" in key or key == "street" else "***")


def mask_payload(obj: Any, *, purge: bool = False, names: Iterable[str] = ()) -> Any:
    """A copy of ``obj`` with personal fields masked (or blanked with ``purge=True``).

    Dicts are walked by key: names, contact fields and free text are masked; ``name`` is treated as a
    person's only inside a person-like object (customer, receiver, shipping address, ...). Names
    found anywhere in the payload are masked in all of its text. Credentials are always redacted.
    """
    known: set[str] = set(names)
    _collect_names(obj, False, known)
    return _walk(obj, False, purge, known, mask_text)


def _walk(obj: Any, inside_person: bool, purge: bool, known: set[str],
          text_fn: Callable[..., str]) -> Any:
    if isinstance(obj, str):
        return text_fn(obj, names=known)
    if isinstance(obj, dict):
        out: dict[Any, Any] = {}
        for k, v in obj.items():
            key = _norm(str(k))
            person = inside_person or key in PERSON_CONTAINERS
            if key in SECRET_KEYS and v not in (None, ""):
                out[k] = REDACTED
            elif isinstance(v, str) and v and (
                    key in NAME_KEYS or key in CONTACT_KEYS or (person and key in _CONTAINER_ONLY)):
                out[k] = _mask_field(key, v, purge)
            elif isinstance(v, str) and purge and key in FREE_TEXT_KEYS and v:
                out[k] = PURGED
            elif isinstance(v, int | float) and not isinstance(v, bool) and key in CONTACT_KEYS:
                out[k] = PURGED if purge else "***"
            else:
                out[k] = _walk(v, person, purge, known, text_fn)
        return out
    if isinstance(obj, list | tuple):
        return type(obj)(_walk(v, inside_person, purge, known, text_fn) for v in obj)
    return obj
