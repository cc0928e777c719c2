"""Seeded, realistic refund traffic for the sandbox: who asks for what back, why, and when.

Why seeded and with a ground truth: the same seed gives the same refunds (ids, texts, money, times)
so a benchmark or a failing test replays, and each refund keeps the category it was made from
(``truth_family``/``truth_category``) so the triage engine can be scored against it. The mix follows
the domain brief: quality and non-quality problems in Chinese (Taobao/Tmall) and English (Shopify);
buyers who pick a penalising reason for a non-quality problem; empty messages; expensive claims with
no photo; sizes off by more or less than the 3 cm tolerance; shipments late or on time; bursts.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from marketplace_returns.models.vocabulary import FAMILY_OF, Category
from marketplace_returns.sandbox.records import SandboxRefund, SandboxShop
from marketplace_returns.sandbox.traffic_text import CLOSERS, EN_NICKS, MESSAGES, OPENERS, PRODUCTS, ZH_NICKS

# truth category → weight in the mix
WEIGHTS: dict[str, float] = {
    "defect": 14, "damaged_in_transit": 6, "not_as_described": 9, "wrong_item": 5, "missing_parts": 5,
    "counterfeit": 2, "size_fit": 16, "style_preference": 10, "changed_mind": 10, "ordered_by_mistake": 6,
    "price": 4, "shipping_delay": 6, "not_received": 5, "other": 2,
}
# honest reason texts per truth category; Taobao/Tmall then Shopify
TAOBAO_REASONS: dict[str, tuple[str, ...]] = {
    "defect": ("质量问题", "做工粗糙/有瑕疵", "包装/商品破损/污渍"),
    "damaged_in_transit": ("包装/商品破损/污渍", "质量问题"),
    "not_as_described": ("颜色/图案/款式与商品描述不符", "材质与商品描述不符", "商品描述不符"),
    "wrong_item": ("卖家发错货",), "missing_parts": ("少件/漏发", "空包裹/少货"),
    "counterfeit": ("假冒品牌",),
    "size_fit": ("尺码拍错/不喜欢/效果不好", "七天无理由退换货"),
    "style_preference": ("不喜欢/效果不好", "七天无理由退换货"),
    "changed_mind": ("七天无理由退换货", "协商一致退款"), "ordered_by_mistake": ("多拍/拍错/不想要",),
    "price": ("价格变化",), "shipping_delay": ("未按约定时间发货",),
    "not_received": ("快递一直未送到", "快递/物流无跟踪记录"), "other": ("其他",),
}
SHOPIFY_REASONS: dict[str, tuple[str, ...]] = {
    "defect": ("DEFECTIVE",), "damaged_in_transit": ("DEFECTIVE", "OTHER"),
    "not_as_described": ("NOT_AS_DESCRIBED", "COLOR"), "wrong_item": ("WRONG_ITEM",),
    "missing_parts": ("OTHER", "NOT_AS_DESCRIBED"), "counterfeit": ("NOT_AS_DESCRIBED", "OTHER"),
    "size_fit": ("SIZE_TOO_SMALL", "SIZE_TOO_LARGE"), "style_preference": ("STYLE", "COLOR"),
    "changed_mind": ("UNWANTED",), "ordered_by_mistake": ("UNWANTED", "OTHER"),
    "price": ("UNWANTED", "OTHER"),
    "shipping_delay": ("OTHER",), "not_received": ("OTHER", "UNKNOWN"), "other": ("OTHER", ""),
}
# a penalising (or quality) reason a buyer picks for a problem that is really their own choice
MISLEADING: dict[str, dict[str, tuple[str, ...]]] = {
    "taobao": {"size_fit": ("质量问题", "大小/尺寸与商品描述不符"),
               "style_preference": ("颜色/图案/款式与商品描述不符", "质量问题"),
               "changed_mind": ("质量问题",), "ordered_by_mistake": ("质量问题",)},
    "shopify": {"size_fit": ("DEFECTIVE", "NOT_AS_DESCRIBED"), "style_preference": ("NOT_AS_DESCRIBED",),
                "changed_mind": ("DEFECTIVE",)},
}
_TRUTHS = tuple(WEIGHTS)
_CUMULATIVE = tuple(itertools.accumulate(WEIGHTS.values()))
_FAMILY = {c.value: FAMILY_OF[c].value for c in Category}
_PRODUCT_KINDS = tuple(PRODUCTS)
MISLEADING_RATE, EMPTY_RATE, BURST_SHARE = 0.18, 0.06, 0.2
DEADLINE_HOURS = {"refund_only_not_shipped": 48, "refund_only_shipped": 120, "return_and_refund": 120}


class TrafficGenerator:
    """Makes refunds for a set of shops; the same seed and arguments give the same refunds."""

    def __init__(self, seed: int = 0, *, first_serial: int = 1) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.serial = first_serial
        self._buyers: list[tuple[str, str]] = []

    def generate(self, count: int, shops: Sequence[SandboxShop], *, start: datetime,
                 spread: timedelta, bursts: int = 3) -> list[SandboxRefund]:
        """``count`` refunds created over ``[start, start + spread)``, a share of them in ``bursts``."""
        if not shops:
            raise ValueError("traffic needs at least one shop")
        rng = self.rng
        total = max(spread.total_seconds(), 1.0)
        centres = [rng.uniform(0, total) for _ in range(bursts)]
        out = []
        for _ in range(count):
            if centres and rng.random() < BURST_SHARE:
                offset = min(total - 1, max(0.0, rng.choice(centres) + rng.uniform(0, 120)))
            else:
                offset = rng.uniform(0, total)
            out.append(self.one(rng.choice(list(shops)), start + timedelta(seconds=offset)))
        return out

    def one(self, shop: SandboxShop, created: datetime) -> SandboxRefund:
        rng, platform = self.rng, shop.platform
        lang, currency = ("en", "USD") if platform == "shopify" else ("zh", "CNY")
        truth = rng.choices(_TRUTHS, cum_weights=_CUMULATIVE)[0]
        product = rng.choice(_PRODUCT_KINDS) if truth not in ("size_fit", "not_as_described") \
            else rng.choice(("apparel", "apparel", "shoes"))
        names_zh, names_en, cny, usd, _sized, parts_zh, parts_en = PRODUCTS[product]
        k = rng.randrange(len(names_zh))
        title, part = (names_en[k], rng.choice(parts_en)) if lang == "en" \
            else (names_zh[k], rng.choice(parts_zh))
        low, high = usd if lang == "en" else cny
        price = Decimal(rng.randint(low * 100, high * 100)) / 100
        created = created.replace(microsecond=0)
        goods = _goods_status(rng, truth)
        paid, ship_by, shipped, delivered = _timeline(rng, truth, goods, created)
        reasons = SHOPIFY_REASONS if platform == "shopify" else TAOBAO_REASONS
        reason = rng.choice(reasons[truth])
        misleading = MISLEADING["shopify" if platform == "shopify" else "taobao"].get(truth)
        if misleading and rng.random() < MISLEADING_RATE:
            reason = rng.choice(misleading)
        deviation: float | None = None
        template_key = truth
        if truth == "not_as_described" and rng.random() < 0.5:
            deviation, template_key = round(rng.uniform(3.5, 8.0), 1), "size_off"
            reason = reason if platform == "shopify" else "大小/尺寸与商品描述不符"
        elif truth == "size_fit" and rng.random() < 0.3:
            deviation, template_key = round(rng.uniform(0.5, 3.0), 1), "size_fit_small_dev"
        if truth == "shipping_delay" and goods == "in_transit":
            template_key = "shipping_slow"
        if truth == "defect" and f"defect_{product}" in MESSAGES and rng.random() < 0.6:
            template_key = f"defect_{product}"
        message = self._message(template_key, lang, title, part, deviation, (created - paid).days + 1)
        quality = _FAMILY[truth] == "quality"
        photos = rng.choice((0, 1, 1, 2, 3, 4)) if quality else rng.choice((0, 0, 0, 1))
        if quality and price > (200 if lang == "en" else 400) and rng.random() < 0.3:
            photos = 0  # an expensive claim with nothing to show
        wants_return = goods == "received" and (quality or rng.random() < 0.8) and rng.random() < 0.85
        amount = price if rng.random() < 0.9 else (price * Decimal(rng.choice((30, 50, 70))) / 100).quantize(
            Decimal("0.01"))
        legs = (5, 15) if lang == "en" else (8, 20)
        buyer_id, nick = self._buyer(lang)
        refund_id, order_id = self._ids(platform)
        deadline_key = "return_and_refund" if wants_return else (
            "refund_only_not_shipped" if goods == "not_shipped" else "refund_only_shipped")
        return SandboxRefund(
            refund_id=refund_id, platform=platform, shop_id=shop.shop_id, order_id=order_id,
            line_id=str(int(order_id) * 10 + 1), buyer_id=buyer_id, buyer_nick=nick,
            sku=f"{product[:3].upper()}-{k:02d}-{rng.randrange(100):02d}", title=title, category=product,
            currency=currency, item_price=price, refund_amount=amount, reason=reason, message=message,
            photos=photos, goods_status=goods, wants_return=wants_return,
            return_shipping_cost=Decimal(rng.randint(*legs)),
            forward_shipping_cost=Decimal(rng.randint(*legs)),
            ship_by=ship_by, shipped_at=shipped, delivered_at=delivered, created=created, modified=created,
            deadline=created + timedelta(hours=DEADLINE_HOURS[deadline_key]),
            phase="aftersale" if goods == "received" else "onsale", lang=lang, size_deviation_cm=deviation,
            truth_family=_FAMILY[truth], truth_category=truth)

    def settle_past(self, refunds: Sequence[SandboxRefund], now: datetime) -> int:
        """Give refunds whose deadline is already behind ``now`` the ending a seller gave them then.

        History made for a backfill would otherwise be all open and overdue; these end refunded
        (the money as asked), closed by the buyer, or refused, at a time before their deadline.
        """
        rng, settled = self.rng, 0
        for refund in refunds:
            if refund.deadline > now:
                continue
            window = (refund.deadline - refund.created).total_seconds()
            refund.modified = refund.created + timedelta(seconds=int(rng.uniform(0.05, 0.95) * window))
            roll = rng.random()
            if roll < 0.65:
                refund.status, refund.refunded_amount = "SUCCESS", refund.refund_amount
            elif roll < 0.9:
                refund.status = "CLOSED"
            else:
                refund.status = "SELLER_REFUSE_BUYER"
            refund.version += rng.randint(1, 3)
            settled += 1
        return settled

    def _message(self, key: str, lang: str, item: str, part: str, cm: float | None, days: int) -> str:
        rng = self.rng
        if rng.random() < EMPTY_RATE:
            return ""
        body = rng.choice(MESSAGES[key][lang]).format(item=item, part=part, cm=cm if cm is not None else "",
                                                      days=max(days, 3))
        opener, closer = rng.choice(OPENERS[lang]), rng.choice(CLOSERS[lang])
        if lang == "en":
            if not opener or opener.endswith(". "):
                body = body[0].upper() + body[1:]
            return f"{opener}{body}.{closer}".strip()
        return f"{opener}{body}，{closer}".rstrip("，") if closer else f"{opener}{body}"

    def _buyer(self, lang: str) -> tuple[str, str]:
        """A buyer: a new one mostly, a returning one sometimes (so repeat refunders exist)."""
        rng = self.rng
        if self._buyers and rng.random() < 0.25:
            return rng.choice(self._buyers)
        n = rng.randrange(10**6)
        buyer = (f"buyer-{n:06d}", f"{rng.choice(ZH_NICKS)}{n % 1000}" if lang == "zh"
                 else f"{rng.choice(EN_NICKS)} {chr(65 + n % 26)}.")
        if len(self._buyers) < 5000:
            self._buyers.append(buyer)
        return buyer

    def _ids(self, platform: str) -> tuple[str, str]:
        serial, self.serial = self.serial, self.serial + 1
        if platform == "shopify":
            return str(9_100_000_000 + serial), str(5_500_000_000 + serial)
        return str(70_000_000_000_000 + serial), str(3_000_000_000_000 + serial)


def _goods_status(rng: random.Random, truth: str) -> str:
    if truth == "shipping_delay":
        return rng.choice(("not_shipped", "in_transit"))
    if truth == "not_received":
        return "in_transit"
    if truth in ("ordered_by_mistake", "changed_mind", "price"):
        return rng.choice(("not_shipped", "in_transit", "received", "received"))
    return "received"


def _timeline(rng: random.Random, truth: str, goods: str,
              created: datetime) -> tuple[datetime, datetime, datetime | None, datetime | None]:
    """Paid, promised ship-by (48 h after payment), shipped and delivered times of the order.

    A shipping-delay complaint is late for real seven times in ten (shipped after ship_by, or not
    shipped although ship_by has passed) and otherwise filed while the promise still held.
    """
    late = truth == "shipping_delay" and rng.random() < 0.7
    if goods == "received":
        paid = created - timedelta(hours=rng.uniform(72, 480))
    elif late:
        paid = created - timedelta(hours=rng.uniform(60, 150))
    else:
        paid = created - timedelta(hours=rng.uniform(6, 44))
    paid = paid.replace(microsecond=0)
    ship_by = paid + timedelta(hours=48)
    shipped = delivered = None
    if goods != "not_shipped":
        latest = (created - paid).total_seconds() / 3600 - 0.5
        hours = rng.uniform(49, max(50.0, latest)) if late else rng.uniform(1, min(40.0, latest))
        shipped = (paid + timedelta(hours=min(hours, latest))).replace(microsecond=0)
        if goods == "received":
            delivered = (shipped + (created - shipped) * rng.uniform(0.2, 0.8)).replace(microsecond=0)
    return paid, ship_by, shipped, delivered
