"""Properties over generated cases: never steer quality, money bounds, no automatic reason change."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace_returns.engine import evaluate, load_playbook
from marketplace_returns.engine.guardrail import find_violation
from marketplace_returns.models.case import Case
from marketplace_returns.models.vocabulary import Action, Family

ZH = ["质量问题", "七天无理由退换货", "多拍/拍错/不想要", "未按约定时间发货", "大小/尺寸与商品描述不符",
      "包装/商品破损/污渍", "少件/漏发", "卖家发错货", "假冒品牌", "其他", "不喜欢/效果不好", "随便写的"]
EN = ["DEFECTIVE", "SIZE_TOO_LARGE", "COLOR", "UNWANTED", "WRONG_ITEM", "NOT_AS_DESCRIBED", "OTHER", ""]
ZH_WORDS = ["领口有两个线头", "扣子掉了一颗", "有一大块油渍", "尺码偏小穿不上", "质量没问题，就是不喜欢",
            "色差严重",
            "发错货了", "少了一条腰带", "还没收到，不要了", "拍重复了", "鞋跟掉了", "开胶了", "这是假货", "",
            "本来就不喜欢，而且开线了", "衣服没有问题", "掉色"]
EN_WORDS = ["Zipper broke.", "Too roomy, want a size down.", "Nothing wrong with it, I just don't love it.",
            "Wrong item in the box.", "A button is missing.", "Not defective, just too small.", "", "Fake."]
money = st.decimals(min_value=Decimal("0.5"), max_value=Decimal(900), places=2)
legs = st.one_of(st.none(), st.decimals(min_value=Decimal(0), max_value=Decimal(60), places=1))
when = st.sampled_from([None, "2026-08-20T10:00:00+08:00", "2026-09-03T10:00:00+08:00"])


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zh = draw(st.booleans())
    price = draw(money)
    raw: dict[str, Any] = {
        "refund_id": "p", "platform": draw(st.sampled_from(["taobao", "tmall"])) if zh else "shopify",
        "category": draw(st.sampled_from(["apparel", "shoes", "home", None])),
        "currency": "CNY" if zh else "USD", "item_price": price,
        "refund_amount": draw(st.one_of(st.none(),
                                        st.decimals(min_value=Decimal(0), max_value=price, places=2))),
        "reason": draw(st.sampled_from(ZH if zh else EN)),
        "message": " ".join(draw(st.lists(st.sampled_from(ZH_WORDS if zh else EN_WORDS), max_size=2))),
        "photos": draw(st.one_of(st.none(), st.integers(0, 4))),
        "goods_status": draw(st.sampled_from([None, "not_shipped", "in_transit", "received"])),
        "return_shipping_cost": draw(legs), "forward_shipping_cost": draw(legs),
        "ship_by": "2026-09-01T23:59:59+08:00", "shipped_at": draw(when), "delivered_at": draw(when),
        "requested_at": draw(st.sampled_from([None, "2026-09-05T09:00:00+08:00",
                                              "2026-11-20T09:00:00+08:00"])),
        "size_deviation_cm": draw(st.one_of(st.none(), st.floats(-8, 8))),
    }
    return Case.model_validate(raw)


_playbook = cache(load_playbook)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(c=cases(), name=st.sampled_from(["apparel", "shoes"]))
def test_decisions_keep_the_product_promises(c: Case, name: str) -> None:
    d = evaluate(c, _playbook(name))
    assert d.classification is not None and d.recommendation is not None and d.reply is not None
    rec = d.recommendation
    # never steer a quality problem; a reason change always names the accurate reason and needs a rep
    if d.classification.family is Family.QUALITY:
        assert rec.action is not Action.REQUEST_REASON_CHANGE and rec.reason_change_to is None
    if rec.action is Action.REQUEST_REASON_CHANGE:
        assert rec.reason_change_to and d.penalising and not d.auto and d.needs_approval
    else:
        assert rec.reason_change_to is None
    # every partial refund: above 0, below the shipping cost it replaces, never above price or asked
    assert d.money is not None
    offers = [(rec.action, rec.amount), *((f.action, f.amount) for f in rec.fallbacks)]
    for action, amount in offers:
        if action is Action.OFFER_PARTIAL_REFUND:
            assert amount is not None
            assert 0 < amount < d.money["round_trip"]
            assert amount < d.money["return_leg"]  # the shipped playbooks replace the return leg
            assert amount <= c.item_price and amount <= c.asked
            assert amount <= c.item_price * Decimal("0.4")  # the 60 % goodwill floor
    # a lawful seven-day no-reason return is never refused on Taobao/Tmall
    if rec.action is Action.REFUSE and c.platform != "shopify":
        assert c.delivered_at is not None and c.requested_at is not None
        assert (c.requested_at - c.delivered_at).days > 7
    assert find_violation(d.reply.text) is None
