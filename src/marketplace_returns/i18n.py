"""Chinese or English for what people read: the CLI's tables, cards and messages, and the report.

Why: most reps who work Taobao shops read Chinese; the CLI and the report were English only. The
language is ``--lang zh|en`` (the main command's option), else ``$MARKETPLACE_RETURNS_LANG``, else the
locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``zh_*`` → Chinese), else English. Machine output
(``--json``, CSV, the API) never changes with it. Keys are the English text, so code reads as English
and a missing translation shows English rather than a key. The platform's own metric names (退款率,
品质退款率, 纠纷退款率 ...) come from ``connectors/<platform>/metrics.yaml``; this catalogue only names
ours and the vocabulary (actions, families, categories).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from contextvars import ContextVar

LANGS = ("en", "zh")
ENV = "MARKETPLACE_RETURNS_LANG"

ZH: dict[str, str] = {
    # queue, card, tasks
    'id': '编号',
    'refund · shop': '退款单 · 店铺',
    'due': '截止',
    'suggestion': '建议',
    '{time} left': '剩余 {time}',
    'overdue {time}': '已超时 {time}',
    'overdue': '已超时',
    'ESCALATED': '已升级',
    'approval': '需审批',
    'refund': '退款单',
    'reason': '退款原因',
    'asks': '申请',
    'buyer says': '买家留言',
    'platform status': '平台状态',
    'platform': '平台',
    'shop': '店铺',
    'every': '间隔',
    'playbook': '策略',
    'state': '状态',
    'active': '正常',
    'off': '已停用',
    'stopped': '已停止',
    'failing': '出错',
    'last poll {time} ago': '{time} 前拉取',
    'not polled yet': '尚未拉取',
    'engine': '判断',
    'suggests': '建议操作',
    'why': '理由',
    'evidence': '依据',
    'reply': '回复',
    'money': '金额',
    'else': '备选',
    'action': '操作',
    'paid': '实付',
    'of': '/',
    'rule': '规则',
    'case': '案件',
    'suggestion {id} · {status}': '建议 {id} · {status}',
    'needs approval': '需审批',
    'ask the buyer to re-file as {reason}': '请买家改选原因「{reason}」',
    'accept: queue accept {id}': '同意：queue accept {id}',
    'change: queue edit {id} --amount …': '修改：queue edit {id} --amount …',
    'reject: queue reject {id}': '拒绝：queue reject {id}',
    'the queue is empty': '待处理队列为空',
    'task': '任务',
    'to do': '要做的事',
    'who': '负责人',
    'done': '已完成',
    'no open manual tasks': '没有待办的人工任务',
    'no manual tasks': '没有人工任务',
    'done task {id} ({refund})': '已完成任务 {id}（{refund}）',
    "task {id} ({refund}) is now {rep}'s": '任务 {id}（{refund}）已转给 {rep}',
    'manual task {id} for {rep}: {what} Due {due}. Close it with `tasks done {id}`.':
        '人工任务 {id}（{rep}）：{what} 截止 {due}。完成后执行 `tasks done {id}`。',
    'queued for the platform (key {key})': '已提交平台（幂等键 {key}）',
    'accepted (nothing to push)': '已同意（无需推送）',
    'rejected': '已拒绝',
    'price paid': '实付',
    'asked': '申请金额',
    'return leg': '退回运费',
    'round trip': '来回运费',
    'offer': '补偿',
    'saved': '节省',
    # input errors
    '{option}: "{text}" is not an amount; give a number such as 12.50':
        '{option}："{text}" 不是金额，请填写数字，例如 12.50',
    '{option}: "{text}" is below zero; give a number such as 12.50':
        '{option}："{text}" 小于零，请填写数字，例如 12.50',
    '{option}: "{text}" has more than two decimals; give a number such as 12.50':
        '{option}："{text}" 超过两位小数，请填写数字，例如 12.50',
    '{option}: "{text}" is too large for an amount; give a number such as 12.50':
        '{option}："{text}" 金额过大，请填写数字，例如 12.50',
    '{option}: "{text}" is not one of {choices}': '{option}："{text}" 不在可选值中：{choices}',
    'ID: no decision {ref}': 'ID：没有建议 {ref}',
    'ID: no decision {ref} in shop {shop}': 'ID：店铺 {shop} 没有建议 {ref}',
    'ID: no case {ref} with a suggestion': 'ID：没有案件 {ref}（或它还没有建议）',
    'ID: no case {ref} with a suggestion in shop {shop}': 'ID：店铺 {shop} 没有案件 {ref}（或它还没有建议）',
    'ID: {ref} is a case; give the decision id (dc_…) its card shows (queue show {ref}), so that a newer '
    'suggestion is never acted on unseen':
        'ID：{ref} 是案件编号；请填写它的卡片上的建议编号（dc_…，见 queue show {ref}），'
        '以免处理到未看过的新建议',
    'ID: "{ref}" is a number; queue commands take the dc_… id queue list shows (numeric ids were dropped)':
        'ID："{ref}" 是数字；queue 命令使用 queue list 显示的 dc_… 编号（已不再接受数字编号）',
    'ID: "{ref}" is not a decision id; give the dc_… id queue list shows':
        'ID："{ref}" 不是建议编号；请填写 queue list 显示的 dc_… 编号',
    # report
    'Refund report': '退款报告',
    'until excluded': '不含截止日',
    'platforms': '平台',
    'definitions': '口径',
    'Standing over the {days}-day metric window': '近 {days} 天考核指标',
    'metric': '指标',
    'name': '名称',
    'now': '当前',
    'threshold': '阈值',
    'status': '状态',
    'if queue accepted': '若按建议处理',
    'then': '届时',
    'ok': '正常',
    'breached': '超标',
    'no data': '无数据',
    'requests': '退款申请',
    'refunds': '成功退款',
    'disputes': '纠纷',
    'pending queue': '待处理',
    'refunded {amount} {cur} of {asked} requested': '已退 {amount} {cur}（申请 {asked}）',
    'compensation paid {paid} vs shipping avoided {saved}': '补偿 {paid}，节省运费 {saved}',
    'manual tasks {opened} · open {open} · overdue {overdue} · done {done} (after the deadline {late})':
        '人工任务 {opened} · 待办 {open} · 超时 {overdue} · 已完成 {done}（超时完成 {late}）',
    'Standing': '考核指标',
    'Manual tasks': '人工任务',
    'Anomalies': '异常',
    'Repeat refunders': '多次退款买家',
    'Assumptions': '口径说明',
    'No anomalies flagged.': '未发现异常。',
    'Refunds and refund rate over time': '退款数与退款率走势',
    'cases per day': '每日件数',
    'rate': '比率',
    'successful refunds': '成功退款',
    'Top SKUs by refunds': '退款最多的商品（SKU）',
    'Refund requests by reason (as the buyer filed)': '按买家所选原因的退款申请',
    "Requests by the engine's category": '按系统判断类别的退款申请',
    'still penalising': '仍计入考核',
    'quality refunds': '品质退款',
    'Money per currency: refunded, partial refunds paid, return shipping avoided':
        '各币种金额：已退款、部分退款补偿、节省的退货运费',
    'refunded': '已退款',
    'compensation paid': '补偿',
    'shipping avoided': '节省运费',
    'Response and completion times against deadlines': '响应与完结时效',
    'no money moved in this period': '本期没有资金往来',
    'no refund requests in this period': '本期没有退款申请',
    'no rate: no order counts for the period (orders import)': '无比率：本期没有订单数（orders import）',
    # the goods-back follow-up's rationale and evidence (service/followup.py: PHRASES)
    'goods back: inspect and refund': '货已退回：验货后退款',
    'agreed: {agreed} (decision v{version}, {status})': '此前同意：{agreed}（建议第 {version} 版，{status}）',
    'goods back: {at}': '退货到达：{at}',
    'amount requested: {amount}': '申请金额：{amount}',
    'platform deadline: {deadline}': '平台截止：{deadline}',
    'none given': '平台未给出',
    # vocabulary
    'refund_without_return': '仅退款',
    'return_and_refund': '退货退款',
    'exchange': '换货',
    'offer_partial_refund': '部分退款（补偿）',
    'request_evidence': '请买家补充凭证',
    'request_reason_change': '请买家修改退款原因',
    'intercept': '拦截快递',
    'repair': '维修',
    'refuse': '拒绝',
    'escalate': '转主管',
    'quality': '质量问题',
    'non_quality': '非质量问题',
    'defect': '质量缺陷',
    'damaged_in_transit': '运输破损',
    'not_as_described': '与描述不符',
    'wrong_item': '发错货',
    'missing_parts': '少件/漏发',
    'counterfeit': '假冒',
    'size_fit': '尺码不合适',
    'style_preference': '不喜欢款式',
    'changed_mind': '不想要了',
    'ordered_by_mistake': '拍错/多拍',
    'price': '价格原因',
    'shipping_delay': '发货慢',
    'not_received': '未收到货',
    'other': '其他',
    'pending': '待处理',
    'accepted': '已同意',
    'edited': '已修改',
    'auto': '自动',
    'superseded': '已更新',
    'expired': '已失效',
    'open': '待办',
    # our metric keys (the platform's own names come from metrics.yaml)
    'refund_rate': '退款率',
    'quality_refund_rate': '品质退款率',
    'dispute_refund_rate': '纠纷退款率',
    'self_completion_rate': '退款自主完结率',
    'completion_time': '退款完结时长',
}

_current: ContextVar[str] = ContextVar("marketplace_returns_lang", default="en")
"""Per context, not per process: a server answering several readers keeps each one's language."""


def detect(explicit: str | None = None) -> str:
    """The language to speak: ``explicit``, else the environment's, else the locale's, else English."""
    for value in (explicit, os.environ.get(ENV), os.environ.get("LC_ALL"), os.environ.get("LC_MESSAGES"),
                  os.environ.get("LANG")):
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    _current.set(lang)


def lang() -> str:
    return _current.get()


def t(message: str, /, **values: object) -> str:
    """``message`` in the current language, formatted with ``values``."""
    if _current.get() == "zh":
        message = ZH.get(message, message)
    return message.format(**values) if values else message


def word(value: str | None) -> str:
    """A vocabulary word (action, family, category, status) as people read it; ``-`` for none."""
    if not value:
        return "-"
    return ZH.get(value, value.replace("_", " ")) if _current.get() == "zh" else value.replace("_", " ")


def _pattern(template: str) -> re.Pattern[str]:
    """``"goods back: {at}"`` → a regex with a named group per field."""
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
                      + r"\Z")


def phrases(text: str, templates: Sequence[str], *, language: str | None = None, sep: str = "; ") -> str:
    """``text`` made by joining ``templates`` (filled) with ``sep``, in ``language`` (default: the current
    one). Each part is matched back against the templates (first match wins), its template translated and
    filled again, a field whose value is a catalogue word (an action, a status) translated too. Text with
    any part that matches no template is returned as it is: free text is never half translated."""
    if (language or _current.get()) != "zh" or not text:
        return text
    out = []
    for part in text.split(sep):
        for template in templates:
            found = _pattern(template).match(part)
            if found is not None:
                values = {k: ZH.get(v, v) for k, v in found.groupdict().items()}
                out.append(ZH.get(template, template).format(**values))
                break
        else:
            return text
    return "；".join(out)


__all__ = ["LANGS", "detect", "lang", "phrases", "set_lang", "t", "word"]
