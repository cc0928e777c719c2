"""TOP signing: the vendor's vector, and properties that any correct implementation has."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace_returns.connectors.taobao.signing import (
    SIGN_METHODS,
    format_timestamp,
    parse_timestamp,
    sign,
    string_to_sign,
    verify,
)

VECTOR = {"foo": "1", "bar": "2", "foo_bar": "3", "foobar": "4"}


def test_string_to_sign_matches_vendor_vector() -> None:
    assert string_to_sign(VECTOR) == "bar2foo1foo_bar3foobar4"


@pytest.mark.parametrize(("method", "expected"), [
    ("md5", "4B4AC0F2D69BA521FFDE55A2BBEE3025"),
    ("hmac", "26C775E5D0EB124C248184BFA79CA514"),
])
def test_vendor_vector(method: str, expected: str) -> None:
    assert sign(VECTOR, "secret", method) == expected


def test_hmac_sha256_is_upper_hex_of_64_chars() -> None:
    digest = sign(VECTOR, "secret", "hmac-sha256")
    assert len(digest) == 64 and digest == digest.upper()
    form = {**VECTOR, "sign_method": "hmac-sha256"}
    assert verify({**form, "sign": sign(form, "secret", "hmac-sha256").lower()}, "secret")


def test_sign_and_empty_and_file_values_are_left_out() -> None:
    base = sign(VECTOR, "secret", "md5")
    assert sign({**VECTOR, "sign": "XYZ", "empty": "", "none": None, "image": b"\x89PNG"},
                "secret", "md5") == base


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="sign_method"):
        sign(VECTOR, "secret", "sha1")
    assert not verify({**VECTOR, "sign": "AA", "sign_method": "sha1"}, "secret")


keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(lambda k: k != "sign")
values = st.text(min_size=1, max_size=20)
params = st.dictionaries(keys, values, min_size=1, max_size=8)


@given(params, st.randoms(use_true_random=False), st.sampled_from(SIGN_METHODS))
def test_order_of_parameters_does_not_matter(p: dict[str, str], rnd: object, method: str) -> None:
    items = list(p.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    assert sign(dict(items), "s3cr3t", method) == sign(p, "s3cr3t", method)


@given(params, keys, st.sampled_from(SIGN_METHODS))
def test_empty_values_are_skipped(p: dict[str, str], extra: str, method: str) -> None:
    if extra in p:
        return
    assert sign({**p, extra: ""}, "k", method) == sign(p, "k", method)


@given(params)
def test_the_three_methods_differ(p: dict[str, str]) -> None:
    assert len({sign(p, "k", m) for m in SIGN_METHODS}) == 3


@given(params, st.sampled_from(SIGN_METHODS))
def test_verify_accepts_own_signature_and_rejects_a_changed_value(p: dict[str, str], method: str) -> None:
    signed = {**p, "sign_method": method}
    signed["sign"] = sign(signed, "k", method)
    assert verify(signed, "k")
    assert not verify(signed, "other")
    key = next(iter(p))
    assert not verify({**signed, key: p[key] + "x"}, "k")


def test_timestamps_are_gmt8_wall_time() -> None:
    moment = datetime(2026, 11, 22, 16, 30, 5, tzinfo=UTC)
    assert format_timestamp(moment) == "2026-11-23 00:30:05"
    assert parse_timestamp("2026-11-23 00:30:05") == moment
    assert format_timestamp(datetime(2026, 1, 1, 0, 0, 0)) == "2026-01-01 08:00:00"  # naive = UTC
