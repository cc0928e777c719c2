"""The review page's words in Chinese and English: a small catalogue, no gettext machinery.

Why a dict and not .po files: the page has a few dozen strings of its own (the vocabulary, actions,
families and categories, comes from the CLI's catalogue, ``marketplace_returns.i18n``), reps on
Taobao read Chinese and on Shopify mostly English, and a missing key must fail a test
(``tests/test_web.py`` checks both languages hold the same keys) rather than show a raw id. Keys here
are ids, not the English text as in ``i18n``: the page reads its language per request, not from the
process's context. The language comes from ``?lang=zh|en``
(remembered in a cookie), else the browser's Accept-Language, else English.
"""

from __future__ import annotations

from typing import Final

from marketplace_returns import i18n
from marketplace_returns.service import followup

LANGS: Final = ("zh", "en")
DEFAULT: Final = "en"

MESSAGES: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "title": "退款审核",
        "queue": "待审队列",
        "tasks": "人工任务",
        "logout": "退出",
        "login": "登录",
        "login_intro": "输入店铺令牌（由 marketplace-returns token create --shop 店铺 生成）和你的名字。",
        "token": "店铺令牌",
        "rep": "你的名字",
        "bad_token": "令牌无效或已撤销。",
        "bad_rep": "名字只能包含字母、数字、空格和 . @ - _。",
        "shop": "店铺",
        "refund": "退款单",
        "deadline": "平台截止",
        "no_deadline": "无",
        "family": "大类",
        "category": "原因",
        "action": "建议操作",
        "amount": "金额",
        "rule": "规则",
        "open": "查看",
        "empty_queue": "没有待审的建议。",
        "escalated": "已升级",
        "approval": "需批准",
        "case": "案件",
        "buyer_reason": "买家选择的原因",
        "buyer_message": "买家留言",
        "evidence": "依据",
        "rationale": "理由",
        "money": "金额对比",
        "reply": "建议回复",
        "accept": "接受",
        "edit": "修改后接受",
        "reject": "拒绝",
        "note": "备注",
        "reason_change_to": "请买家改为",
        "status": "状态",
        "pushed": "已推送记录",
        "refused": "护栏拒绝了这段回复",
        "refused_phrase": "违规短语",
        "refused_rule": "规则",
        "input_error": "无法执行",
        "done_accepted": "已接受，将推送到平台。",
        "done_task": "已接受：平台无法执行此操作，已建立人工任务。",
        "done_rejected": "已拒绝。",
        "done_task_closed": "任务已完成。",
        "done_task_moved": "任务已转交。",
        "not_found": "找不到（或不属于此店铺）。",
        "csrf": "表单已过期，请刷新页面后重试。",
        "what": "要做的事",
        "due": "截止",
        "assignee": "负责人",
        "overdue": "已逾期",
        "left": "剩余 {span}",
        "empty_tasks": "没有待办的人工任务。",
        "mark_done": "完成",
        "reassign": "转交给",
        "back": "返回队列",
        "price": "实付",
        "asked": "申请退款",
        "return_leg": "退货运费",
        "round_trip": "往返运费",
        "offer": "建议金额",
        "saved": "节省",
    },
    "en": {
        "title": "Refund review",
        "queue": "Queue",
        "tasks": "Manual tasks",
        "logout": "Log out",
        "login": "Log in",
        "login_intro": "Paste the shop token that marketplace-returns token create --shop SHOP printed, "
                       "and your name.",
        "token": "Shop token",
        "rep": "Your name",
        "bad_token": "That token is not valid or was revoked.",
        "bad_rep": "A name holds letters, digits, spaces and . @ - _ only.",
        "shop": "Shop",
        "refund": "Refund",
        "deadline": "Platform deadline",
        "no_deadline": "none",
        "family": "Family",
        "category": "Category",
        "action": "Suggested action",
        "amount": "Amount",
        "rule": "Rule",
        "open": "Open",
        "empty_queue": "Nothing waits for review.",
        "escalated": "escalated",
        "approval": "needs approval",
        "case": "Case",
        "buyer_reason": "Reason the buyer chose",
        "buyer_message": "Buyer's message",
        "evidence": "Evidence",
        "rationale": "Rationale",
        "money": "Money compared",
        "reply": "Suggested reply",
        "accept": "Accept",
        "edit": "Accept with edits",
        "reject": "Reject",
        "note": "Note",
        "reason_change_to": "Ask the buyer to change the reason to",
        "status": "Status",
        "pushed": "Actions sent",
        "refused": "The guardrail refused this reply",
        "refused_phrase": "Phrase",
        "refused_rule": "Rule",
        "input_error": "Not done",
        "done_accepted": "Accepted; it is on its way to the platform.",
        "done_task": "Accepted: the platform cannot do this, so a manual task was opened.",
        "done_rejected": "Rejected.",
        "done_task_closed": "Task done.",
        "done_task_moved": "Task handed on.",
        "not_found": "Not found (or not this shop's).",
        "csrf": "The form expired; reload the page and try again.",
        "what": "What to do",
        "due": "Due",
        "assignee": "Assignee",
        "overdue": "overdue",
        "left": "{span} left",
        "empty_tasks": "No manual task is open.",
        "mark_done": "Done",
        "reassign": "Hand to",
        "back": "Back to the queue",
        "price": "Paid",
        "asked": "Asked",
        "return_leg": "Return shipping",
        "round_trip": "Round trip",
        "offer": "Offer",
        "saved": "Saved",
    },
}


def pick(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then the remembered choice, then the browser's preference by q-value."""
    for chosen in (query, cookie):
        if chosen in LANGS:
            return chosen
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGS and q > 0:
            ranked.append((-q, i, base))
    return min(ranked)[2] if ranked else DEFAULT


class Messages:
    """``t("key")`` in templates; an unknown key raises so a typo fails the page's tests."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else DEFAULT
        self._table = MESSAGES[self.lang]

    def __call__(self, key: str) -> str:
        return self._table[key]

    def say(self, text: str) -> str:
        """A rationale or evidence line the service writes from fixed phrases (the goods-back
        follow-up's) in the page's language; the engine's own text as it is (English for now)."""
        return followup.say(text, language=self.lang)

    def label(self, prefix: str, value: str | None) -> str:
        """A vocabulary value (an action, a family, a category) as the CLI and the report name it: the
        shared catalogue's Chinese (``marketplace_returns.i18n``), the value in words in English."""
        if value is None:
            return "—"
        plain = value.replace("_", " ")
        return i18n.ZH.get(value, plain) if self.lang == "zh" else plain
