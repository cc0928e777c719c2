"""Masking of buyers' personal data and redaction of credentials, in text, payloads and log lines."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from marketplace_returns.security.logmask import PiiLogFilter, install_log_masking
from marketplace_returns.security.pii import (
    ADDRESS,
    PURGED,
    REDACTED,
    mask_identifier,
    mask_name,
    mask_payload,
    mask_text,
    redact_secrets,
)


@pytest.mark.parametrize(("text", "gone", "kept"), [
    ("电话13812345678，谢谢", "13812345678", "138****5678"),
    ("手机 +86 139-0011-2233", "0011", "139****2233"),
    ("座机 0571-88776655", "88776655", "***-******55"),
    ("call +44 20 7946 0958 please", "7946", "+** ** **** **58"),
    ("call (415) 555-0132 tonight", "555-0132", "(***) ***-**32"),
    ("mail me: zhang.san+shop@qq.com", "zhang.san", "z***@qq.com"),
])
def test_phones_and_emails_are_masked(text: str, gone: str, kept: str) -> None:
    masked = mask_text(text)
    assert gone not in masked
    assert kept in masked


@pytest.mark.parametrize("text", [
    "收货地址：浙江省杭州市西湖区文三路123号3栋2单元501室",
    "寄到上海市浦东新区张江高科技园区碧波路690号",
    "北京市朝阳区建国路88号",
    "文三路478号华星时代广场",
    "Ship to 1600 Amphitheatre Parkway, Mountain View, CA 94043",
    "my address is 221B Baker Street, London",
    "10 Downing St, Apt 4B",
])
def test_street_addresses_are_masked(text: str) -> None:
    masked = mask_text(text)
    assert ADDRESS in masked
    streets = ("文三路", "碧波路", "建国路", "Amphitheatre", "Baker", "Downing")
    assert not any(part in masked for part in streets)


@pytest.mark.parametrize("text", [
    "买了两件，一件大一号一件小一号，想退一件",
    "质量问题，衣服破了个洞，和图片区别很大",
    "尺码偏小，S码穿不上，想换M码",
    "在市场上看到更便宜的",
    "The zipper broke after 2 days. Size 42 fits, order #1001 on 2024-05-01",
    "订单号 2345678901234567，金额 199.00 元",
    "Runs small, I need an M",
])
def test_ordinary_complaints_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_labelled_and_known_names_are_masked() -> None:
    assert mask_text("收货人：张三，电话13812345678") == "收货人：张*，电话138****5678"
    assert "Smith" not in mask_text("Hello, my name is John Smith and the strap broke")
    assert mask_text("Regards, Mary Jane") == "Regards, M***"
    assert mask_text("小明说袖子太长", names=["小明"]) == "小*说袖子太长"
    short = mask_text("Li said it is too big; Like it otherwise", names=["Li"])
    assert short == "L*** said it is too big; Like it otherwise"
    assert mask_name("欧阳娜娜") == "欧*" and mask_name("Jane") == "J***" and mask_name("") == ""


def test_taobao_payload_is_masked_by_key_and_names_reach_the_free_text() -> None:
    raw = {
        "refund_id": "2024110112345", "title": "法式碎花连衣裙", "buyer_nick": "tb小明abc",
        "receiver_name": "李四", "receiver_mobile": "13900001111",
        "receiver_address": "广东省深圳市南山区科技园",
        "desc": "我是tb小明abc，李四代收，电话13900001111", "reason": "质量问题", "refund_fee": "199.00",
    }
    masked = mask_payload(raw)
    text = repr(masked)
    for secret in ("小明abc", "李四", "13900001111", "南山区"):
        assert secret not in text
    assert masked["title"] == raw["title"] and masked["reason"] == "质量问题"
    assert masked["refund_fee"] == "199.00"
    assert masked["buyer_nick"] == "t***" and masked["receiver_name"] == "李*"


def test_shopify_payload_masks_people_but_not_the_return_name() -> None:
    raw = {
        "name": "#1106-R2",
        "customer": {"first_name": "Jane", "last_name": "Doe", "email": "jane@doe.com",
                     "phone": "+14155550132"},
        "shipping_address": {"name": "Jane Doe", "address1": "12 Main St", "city": "Springfield",
                             "zip": "12345", "country_code": "US"},
        "return_line_items": [{"customer_note": "Jane here, it is too small",
                               "return_reason": "SIZE_TOO_SMALL"}],
    }
    masked = mask_payload(raw)
    assert masked["name"] == "#1106-R2"
    assert masked["customer"]["first_name"] == "J***" and masked["customer"]["email"] == "j***@doe.com"
    assert "4155550132" not in masked["customer"]["phone"]
    assert masked["shipping_address"]["address1"] == ADDRESS
    assert masked["shipping_address"]["country_code"] == "US"
    assert masked["return_line_items"][0]["customer_note"] == "J*** here, it is too small"
    assert raw["customer"]["first_name"] == "Jane"  # the input is not modified


def test_purge_blanks_personal_fields_and_free_text() -> None:
    raw = {"buyer_nick": "tb小明", "desc": "衣服有个洞", "reason": "质量问题",
           "items": [{"customer_note": "too small", "return_reason": "SIZE_TOO_SMALL"}]}
    purged = mask_payload(raw, purge=True)
    assert purged == {"buyer_nick": PURGED, "desc": PURGED, "reason": "质量问题",
                      "items": [{"customer_note": PURGED, "return_reason": "SIZE_TOO_SMALL"}]}


SECRETS = {
    "app_secret": "s3cr3t-app-value",
    "session": "6100e23a8b7c9d0e1f2a3b4c5d6e7f8091a2b3c4",
    "access_token": "shpat_0123456789abcdef0123456789abcdef",
    "sign": "4B4AC0F2D69BA521FFDE55A2BBEE3025",
    "X-Shopify-Access-Token": "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",
}


def test_redact_secrets_in_dicts_and_text() -> None:
    nested = {"request": {"params": {**SECRETS, "method": "taobao.refund.get"}}, "list": [SECRETS]}
    redacted = redact_secrets(nested)
    assert redacted["request"]["params"]["method"] == "taobao.refund.get"
    for value in SECRETS.values():
        assert value not in repr(redacted)
    line = ("POST /router/rest?app_key=12345&session=6100e23a8b7c9d0e1f2a3b4c5d6e7f8091a2b3c4&sign=4B4AC0F2D6"
            " app_secret: s3cr3t-app-value"
            " headers={'X-Shopify-Access-Token': 'shpat_0123456789abcdef0123456789'}"
            " Authorization: Bearer mrt_abcdefghijklmnopqrstuvwxyz0123 ('access_token', 'tok-123')")
    out = redact_secrets(line)
    for value in ("6100e23a", "4B4AC0F2D6", "s3cr3t", "shpat_", "mrt_abc", "tok-123"):
        assert value not in out
    assert "app_key=12345" in out and "sign_method=hmac" in redact_secrets("sign_method=hmac")
    assert REDACTED in out


@pytest.fixture
def masking() -> Iterator[None]:
    undo = install_log_masking()
    yield
    undo()


def test_secrets_and_pii_never_survive_a_log_line(masking: None, caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("marketplace_returns.connectors.taobao.client")
    with caplog.at_level(logging.DEBUG):
        params = {"session": SECRETS["session"], "sign": SECRETS["sign"]}
        log.info("calling %s with %s", "taobao.refund.get", params)
        log.warning("buyer wrote: %s", "收货人：张三 13812345678 浙江省杭州市西湖区文三路123号")
        log.error("auth failed: app_secret=%s token=%s", SECRETS["app_secret"], SECRETS["access_token"])
        logging.getLogger("httpx").info("HTTP Request: POST https://x/?session=%s", SECRETS["session"])
        try:
            raise ValueError(f"refused access_token={SECRETS['access_token']} for 13812345678")
        except ValueError:
            log.exception("push failed")
    text = caplog.text
    for value in [*SECRETS.values(), "张三", "13812345678", "文三路"]:
        assert value not in text, value
    assert "taobao.refund.get" in text and "push failed" in text and "ValueError" in text


def test_uninstall_restores_plain_records(caplog: pytest.LogCaptureFixture) -> None:
    undo = install_log_masking()
    assert install_log_masking() is undo  # idempotent
    undo()
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.lib").info("phone %s", "13812345678")
    assert "13812345678" in caplog.text


def test_filter_on_a_handler_masks_and_keeps_the_record(caplog: pytest.LogCaptureFixture) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "mail %s", ("a.b@c.com",), None)
    assert PiiLogFilter().filter(record) is True
    assert record.getMessage() == "mail a***@c.com" and record.args is None
    bad = logging.LogRecord("x", logging.INFO, __file__, 1, "%d items", ("13812345678",), None)
    PiiLogFilter().filter(bad)  # a broken format string still gets masked, not raised
    assert "13812345678" not in bad.getMessage()


def test_report_identifiers_are_masked_but_stay_distinct() -> None:
    a, b = mask_identifier("tb小明abc"), mask_identifier("tb小明abd")
    assert a is not None and b is not None and a != b
    assert "小明" not in a and a.startswith("t***c·")
    assert mask_identifier("tb小明abc") == a  # stable across calls and processes
    assert mask_identifier("purged:0123abcd") == "purged:0123abcd" and mask_identifier(None) is None


def test_uvicorn_access_lines_keep_their_args(masking: None) -> None:
    record = logging.getLogRecordFactory()("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s"',
                                           ("127.0.0.1:5000", "GET", "/queue"), None)
    assert record.args == ("127.0.0.1:5000", "GET", "/queue")
