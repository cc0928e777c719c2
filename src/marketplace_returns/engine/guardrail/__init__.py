"""The outgoing-message guardrail of the honest-steering rule (contracts/triage.md).

Why: no money or other benefit may be tied to the reason a buyer picks, to a review, to withdrawing
a review, complaint, dispute or chargeback, or to confirming receipt; no refund may be threatened
unless the buyer does one of those; nothing may keep a buyer from reviewing; and the product does
not ask for a positive review (Taobao's 争议处理规则 counts inducement as improper; E-commerce Law
art. 17; consumer-protection regulation art. 9). Every reply the engine writes passes through
``check_outgoing``; the service calls it again on text a rep edited and at push time, so the phrase
that broke the rule is named and the message never goes out.

How: reps write 亲/宝贝-style Chinese (often traditional, full-width, spaced out, with emoji) and
store-support English, and a tie is often spread over two sentences ("Please switch the reason. We'll
refund the shipping as a thank you."). So the text is first *normalised* (NFKC folds full-width
forms, zero-width characters go, traditional characters become simplified through OpenCC's
character table, letters spaced out to dodge a filter are joined, a few emoji become the word they
stand for, case is folded), then cut into sentences, and *concepts* are found by small regexes:
a buyer act (change the reason, review, remove a review, withdraw a complaint, confirm receipt), a
benefit (money, coupon, gift, free shipping, a faster refund...), a threat (otherwise / 否则 /
不然 ...), and an honest disclaimer ("up to you", "不影响退款"). A rule fires when an act and a
benefit (or a threat) meet in one sentence or up to two sentences apart and no sentence between disclaims
the tie. Messages that ask for or prevent a review, or ask to drop a complaint, need no benefit to
be blocked. Two readings keep honest explanations through: a disclaimer in the next sentence undoes a
one-sentence reason tie ("选七天无理由运费您出，选质量问题运费我们出。两种情况都会退款。"), and
pointing a buyer to a reason the seller is at fault under (质量问题, 少件, wrong item) together with
what the seller owes under it is honest steering, not a bought reason.

Speed: a gate of trigger substrings (the act words) runs before any regex, so a reply that mentions
no reason, review, complaint or receipt costs a normalisation and a few substring tests; the concept
regexes are compiled literal-first (``_Concept``) and the English change-verb...reason pattern runs
right to left (``_Reversed``), since Python's ``re`` can only skip ahead to a literal; a concept's
alternatives are grouped by their opening character, the English gate finds each word from its rarest
letter, and the English rules look for their trigger words once per text. About 17 µs per engine reply
(zh 12, en 22), 25 before the speed pass, measured back to back (``bench/eval_guardrail.py --speed``;
``bench/guardrail_digest.py`` proves no verdict changed; docs/guardrail.md). Text longer
than ``MAX_CHARS`` is checked in its first ``MAX_CHARS`` characters only (every pattern is bounded, so
time is linear in the length).

Mixed Chinese and English is also read through two glossary views (``_mixed``), words split inside are
joined (``_SPLIT_WORD``), and where no rule fires a small learned layer (``learned``) may
add a block. Measured on the tuning files, on first-look probe batches and, once, on an independent
evaluation set: see docs/guardrail.md, ``bench/eval_guardrail.py`` and tests/test_guardrail*.py.

The package, one job a module: ``verdict`` (rule ids, reasons, the verdict type), ``normalise``,
``concept`` (how concept regexes are built), ``concepts_zh`` / ``concepts_en`` (the word classes),
``ties`` (sentences, an act meeting a benefit or threat, what undoes a tie), ``mixed`` (the glossary
views of a text in both scripts), ``gates`` (substring tests before any regex), ``rules_zh`` /
``rules_en`` / ``rules`` (which concept meets which), ``learned`` (the learned layer) and ``api``
(``assess``, ``find_violation``, ``check_outgoing``).
"""

from marketplace_returns.engine.guardrail.api import assess, check_outgoing, find_violation
from marketplace_returns.engine.guardrail.normalise import normalise
from marketplace_returns.engine.guardrail.verdict import MAX_CHARS, PASS, RULE_IDS, WHY, Assessment
from marketplace_returns.errors import GuardrailViolation

__all__ = ["MAX_CHARS", "PASS", "RULE_IDS", "WHY", "Assessment", "GuardrailViolation", "assess",
           "check_outgoing", "find_violation", "normalise"]
