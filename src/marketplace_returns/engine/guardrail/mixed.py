"""Mixed Chinese and English: the glossary views that put each language's concept words into the other."""

from __future__ import annotations

import re

from marketplace_returns.engine.guardrail.concept import _words
from marketplace_returns.engine.guardrail.normalise import _CJK, _sub_mapped

# --- mixed Chinese and English ---------------------------------------------------------------------
# A rep who mixes the languages can put the act in one and the money in the other ("dispute 撤一下，我们
# refund 给你", "Please 确认收货 first, then we'll refund you"): each language's finders see only half a
# tie. So a text holding both scripts is also read through two views, each with the other language's
# concept words put into its own: the Chinese rules read a view where "refund" is 退款 and "negative
# review" 差评, the English rules one where 确认收货 is "confirm receipt" and 差评 "negative review".
# The glossary holds concept words only (acts, their objects, benefits, threats), so a view adds no
# word the rules would not have read in a text written in one language.
_EN_TO_ZH: dict[str, str] = {
    **dict.fromkeys(("negative review", "negative reviews", "bad review", "bad reviews", "1-star review",
                     "one-star review", "1 star review", "negative feedback", "bad feedback", "low rating",
                     "bad rating"), "差评"),
    **dict.fromkeys(("positive review", "positive reviews", "good review", "good reviews", "5-star review",
                     "five-star review", "five star review", "5 star review", "great review",
                     "positive feedback", "good feedback"), "好评"),
    **dict.fromkeys(("five stars", "5 stars", "five-star", "5-star", "five star", "5 star", "full stars"),
                    "五星"),
    **dict.fromkeys(("review", "reviews", "feedback", "rating", "ratings", "comment", "comments"), "评价"),
    **dict.fromkeys(("reason", "return reason", "refund reason"), "原因"),
    **dict.fromkeys(("refund", "refunds", "refunded", "money back", "full refund"), "退款"),
    "chargeback": "拒付", "charge back": "拒付", "chargebacks": "拒付",
    **dict.fromkeys(("dispute", "disputes", "a-to-z", "a-to-z claim", "paypal case", "case"), "纠纷"),
    **dict.fromkeys(("complaint", "complaints"), "投诉"), "claim": "申诉", "report": "举报",
    **dict.fromkeys(("confirm receipt", "confirm delivery", "confirm the order", "confirm order",
                     "order received", "mark as received", "mark it received"), "确认收货"),
    "confirm": "确认", "receipt": "收货", "received": "收货",
    **dict.fromkeys(("coupon", "coupons", "voucher", "vouchers", "discount code", "promo code"), "优惠券"),
    **dict.fromkeys(("cashback", "cash back"), "返现"),
    **dict.fromkeys(("gift", "gift card", "gifts"), "礼品"),
    **dict.fromkeys(("compensation", "compensate", "store credit", "credit"), "补偿"),
    **dict.fromkeys(("shipping", "shipping fee", "postage"), "运费"),
    "bonus": "福利", "red packet": "红包", "red envelope": "红包", "free": "免费", "extra": "多给",
    **dict.fromkeys(("delete", "remove", "take down", "deleted", "removed"), "删"),
    **dict.fromkeys(("withdraw", "cancel", "close", "retract", "drop", "withdrawn", "cancelled",
                     "canceled", "closed"), "撤"),
    **dict.fromkeys(("change", "switch", "edit", "update", "changed", "modify"), "改"),
    "otherwise": "否则", "unless": "除非", "no refund": "不退",
}
_ZH_TO_EN: dict[str, str] = {
    **dict.fromkeys(("差评", "中评"), "negative review"), "带图好评": "5-star review with photos",
    "好评": "positive review", **dict.fromkeys(("五星", "5星"), "five stars"), "晒图": "photo review",
    **dict.fromkeys(("评价", "评论", "追评"), "review"), **dict.fromkeys(("原因", "理由"), "reason"),
    **dict.fromkeys(("七天无理由", "无理由"), '"no reason"'),
    **dict.fromkeys(("不想要了", "不想要", "不要了"), '"no longer needed"'), "投诉": "complaint",
    **dict.fromkeys(("维权", "纠纷"), "dispute"),
    **dict.fromkeys(("小二介入", "平台介入", "介入"), "platform dispute"), "拒付": "chargeback",
    "举报": "report", "确认收货": "confirm receipt", "退款": "refund", "红包": "cash gift",
    **dict.fromkeys(("优惠券", "无门槛券", "券"), "coupon"), "返现": "cashback", "补偿": "compensation",
    "运费": "shipping", **dict.fromkeys(("删除", "删掉", "删"), "delete"),
    **dict.fromkeys(("撤回", "撤销", "撤掉", "撤"), "withdraw"),
    **dict.fromkeys(("改成", "改为", "修改", "改一下"), "change"),
    **dict.fromkeys(("否则", "不然"), "otherwise"),
    "不退": "no refund", "不改": "won't change", "。": ". ", "！": "! ", "？": "? ",
}


_RX_EN_TO_ZH = re.compile(_words(*sorted(_EN_TO_ZH, key=len, reverse=True)) + "(?![a-z])")
_RX_ZH_TO_EN = re.compile("|".join(map(re.escape, sorted(_ZH_TO_EN, key=len, reverse=True))))
_RX_ZH_WORDS = re.compile("|".join(map(re.escape, sorted((w for w in _ZH_TO_EN if w not in "。！？"),
                                                         key=len, reverse=True))))
_CJK_CHAR = re.compile(f"[{_CJK}]")
# fourth speed pass: two classes, not "[a-z]{2}" - ``re`` skips ahead to a letter only where a pattern opens
# with a class or a literal, and tries a repeat at every character (15,500 -> 5,200 instructions on a Chinese
# engine reply, which holds no letter)
_LATIN_WORD = re.compile("[a-z][a-z]")


def _to_zh(m: re.Match[str]) -> str:
    return _EN_TO_ZH[m.group(0)]


def _to_en(m: re.Match[str]) -> str:
    return f" {_ZH_TO_EN[m.group(0)]} "


def _view(pattern: re.Pattern[str], repl: object, norm: str) -> tuple[str, list[int]] | None:
    """``norm`` with the other language's concept words put into this one, and each character's index
    in ``norm``; None when the text holds none of them."""
    if pattern.search(norm) is None:
        return None
    return _sub_mapped(pattern, repl, norm, list(range(len(norm))))
