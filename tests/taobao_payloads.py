"""TOP answers shaped like the documented ones (classic, non-simplified JSON envelope), plus builders.

Shapes follow TOP's API documentation and its field dictionary (bububa/opentaobao model/refund): money
as yuan strings, timestamps as GMT+8 "yyyy-MM-dd HH:mm:ss", ids as numbers, lists nested as
{"refunds": {"refund": [...]}}. Each builder takes overrides so a test varies one field.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import SecretStr

from marketplace_returns.connectors.base import ShopConfig

ROUTER = "https://eco.taobao.com/router/rest"
APP_KEY = "12345678"
APP_SECRET = "s3cr3t-app-secret-value"
SESSION = "6100a1b2c3d4e5f6session-token"

REFUND: dict[str, Any] = {
    "refund_id": 178232201573110528,
    "tid": 2731881024553110528,
    "oid": 2731881024553110528,
    "title": "纯棉短袖T恤 男士宽松圆领",
    "buyer_nick": "t**1",
    "seller_nick": "示例旗舰店",
    "total_fee": "89.00",
    "payment": "0.00",
    "refund_fee": "89.00",
    "status": "WAIT_SELLER_AGREE",
    "order_status": "WAIT_BUYER_CONFIRM_GOODS",
    "good_status": "BUYER_RECEIVED",
    "has_good_return": True,
    "reason": "质量问题",
    "desc": "洗了一次就开线了，袖口有破洞",
    "created": "2026-11-20 10:15:32",
    "modified": "2026-11-20 10:15:32",
    "refund_phase": "aftersale",
    "refund_version": 1732069132000,
    "dispute_type": "REFUND_AND_RETURN",
    "cs_status": 1,
    "num_iid": 624981234567,
    "num": 1,
    "price": "99.00",
    "sku": "颜色分类:白色;尺码:XL",
    "refund_remind_timeout": {"remind_type": 1, "exist_timeout": True, "timeout": "2026-11-25 10:15:32"},
}

MESSAGE: dict[str, Any] = {
    "id": 3301234567, "refund_id": 178232201573110528, "owner_id": 2206512345, "owner_nick": "t**1",
    "owner_role": "1", "content": "袖口破洞的照片已上传", "created": "2026-11-20 10:20:01",
    "message_type": "NORMAL", "refund_phase": "aftersale",
    "pic_urls": {"pic_url": [{"url": "https://img.alicdn.com/a.jpg"}, {"url": "https://img.alicdn.com/b.jpg"}]},
}


def shop(**over: Any) -> ShopConfig:
    data: dict[str, Any] = {
        "shop_id": "shop-1", "platform": "taobao", "base_url": ROUTER, "sign_method": "hmac-sha256",
        "credentials": {"app_key": SecretStr(APP_KEY), "app_secret": SecretStr(APP_SECRET),
                        "session": SecretStr(SESSION)},
        "options": {"return_shipping_cost": "12"},
    }
    data.update(over)
    return ShopConfig(**data)


def refund(**over: Any) -> dict[str, Any]:
    data = copy.deepcopy(REFUND)
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def listed(**over: Any) -> dict[str, Any]:
    """A refund as taobao.refunds.receive.get lists it: no version, deadline, sku or price."""
    data = refund(**over)
    for key in ("refund_version", "refund_remind_timeout", "sku", "num_iid", "num", "price", "cs_status"):
        data.pop(key, None)
    return data


def receive_page(refunds: list[dict[str, Any]], *, has_next: bool) -> dict[str, Any]:
    return {"refunds_receive_get_response": {"refunds": {"refund": refunds}, "has_next": has_next,
                                             "request_id": "16ra4ldvxlk6l"}}


def refund_get(record: dict[str, Any]) -> dict[str, Any]:
    return {"refund_get_response": {"refund": record, "request_id": "zt0ejmqgxhfb"}}


def messages_get(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {"refund_messages_get_response": {"refund_messages": {"refund_message": messages},
                                             "total_results": len(messages), "request_id": "3xqf9g6l"}}


def agree_ok(refund_id: object) -> dict[str, Any]:
    return {"rp_refunds_agree_response": {
        "msg_code": "OP_SUCC", "succ": True, "message": "",
        "results": {"refund_mapping_result": [{"refund_id": str(refund_id), "succ": True, "message": ""}]},
        "request_id": "10k2w9"}}


def ok(method: str, **fields: Any) -> dict[str, Any]:
    name = method.removeprefix("taobao.").replace(".", "_") + "_response"
    return {name: {"is_success": True, "request_id": "x1", **fields}}


def error(code: int, msg: str, sub_code: str | None = None, sub_msg: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "msg": msg, "request_id": "zv2ad5bz6w8x"}
    if sub_code:
        body["sub_code"] = sub_code
    if sub_msg:
        body["sub_msg"] = sub_msg
    return {"error_response": body}


THROTTLED = error(7, "App Call Limited", "accesscontrol.limited-by-app-access-count",
                  "This ban will last for 1 more seconds")
