"""The review page in headless Chromium against the real service on loopback: a rep logs in with a
shop token, accepts a suggestion (the sandbox marketplace receives it), and tries a reply the
guardrail forbids (the refusal shows on the card, phrase and rule, and nothing is sent).

Playwright drives the system Chromium (``shutil.which("chromium")``; .ci/run installs Debian's
package). Playwright's own browser download does not work on this network, so the test never calls
``playwright install`` and skips, saying why, when there is no chromium binary.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from browser import chromium_for_playwright
from marketplace_returns.models.vocabulary import Action
from marketplace_returns.service import repository as repo
from marketplace_returns.service.tables import DecisionRecord
from marketplace_returns.service.web.preview import Preview, preview

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
FORBIDDEN = "改成七天无理由就给您退款"
"""Money for changing the refund reason: the guardrail's money_for_reason rule."""
THREAT = "Please change the reason to 'no reason', otherwise we cannot refund."
"""No refund unless the buyer changes the reason: the guardrail's refund_threat rule."""


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Preview]:
    with preview(tmp_path, seed=5, refunds=40) as running:
        yield running


@pytest.fixture
def page(service: Preview, tmp_path: Path) -> Iterator[Any]:
    executable = chromium_for_playwright("drive the review page")  # skips before importing playwright
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            context = browser.new_context(locale="zh-CN", java_script_enabled=False)
            context.set_default_timeout(30_000)  # CI shares two cores with the whole suite
            yield context.new_page()
        finally:
            browser.close()


def status_of(service: Preview, decision_id: int) -> str:
    with Session(service.ctx.db) as session:
        d = session.get(DecisionRecord, decision_id)
        assert d is not None
        return d.status


@pytest.mark.timeout(180)
def test_a_rep_accepts_and_the_guardrail_refuses_in_place(service: Preview, page: Any) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    shop = "demo-tb"
    waiting = service.pending(shop)
    capabilities = service.ctx.capabilities("taobao")
    pushable = [(i, ref) for i, ref in waiting if i.action and capabilities.supports(Action(i.action))
                and i.action != "request_reason_change"]
    assert len(waiting) >= 2 and pushable, "the seeded traffic leaves suggestions for a rep"
    first, first_ref = pushable[0]
    other, other_ref = next((i, ref) for i, ref in waiting if i.id != first.id)

    page.goto(f"{service.url}/ui/queue")
    expect(page).to_have_url(f"{service.url}/ui/login")  # not logged in: sent to the login form
    expect(page.locator("h1")).to_have_text("登录")  # Accept-Language zh-CN
    page.fill("input[name=token]", service.tokens[shop])
    page.fill("input[name=rep]", "小王")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{service.url}/ui/queue")
    expect(page.locator("#shop")).to_have_text(shop)
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(len(waiting))
    assert rows.first.get_attribute("data-id") == waiting[0][1]  # nearest deadline first

    page.goto(f"{service.url}/ui/queue/{first_ref}")
    expect(page.locator("#rule")).to_have_text(first.rule or "—")
    page.click("#accept")
    expect(page.locator(".notice")).to_be_visible()
    assert status_of(service, first.id) == "accepted"
    with Session(service.ctx.db) as session:
        [row] = [a for a in repo.list_actions(session, shop_id=shop) if a.refund_id == first.refund_id]
    assert row.action == first.action
    end = time.monotonic() + 20  # the accept wakes the push job: the marketplace's own record is the judge
    while not any(a["refund_id"] == first.refund_id and a["outcome"] == "applied"
                  for a in service.sandbox_actions()):
        assert time.monotonic() < end, f"the sandbox never received the accepted {first.action}"
        time.sleep(0.2)

    page.goto(f"{service.url}/ui/queue/{other_ref}")
    page.fill("textarea[name=reply]", FORBIDDEN)
    page.click("#edit")
    refusal = page.locator("#refusal")
    expect(refusal).to_be_visible()
    expect(page.locator("#refusal-phrase")).to_have_text(FORBIDDEN)
    expect(page.locator("#refusal-rule")).to_have_text("money_for_reason")
    expect(page.locator("textarea[name=reply]")).to_have_value(FORBIDDEN)  # kept for the rep to fix
    assert status_of(service, other.id) == "pending"
    with Session(service.ctx.db) as session:
        assert not [a for a in repo.list_actions(session, shop_id=shop) if a.refund_id == other.refund_id]

    page.click("text=English")
    expect(page.locator("#refusal")).to_have_count(0)  # a fresh card, in English
    expect(page.locator("button#accept")).to_have_text("Accept")
    page.fill("textarea[name=reply]", THREAT)
    page.click("#edit")
    expect(page.locator("#refusal")).to_contain_text("The guardrail refused this reply")
    expect(page.locator("#refusal-rule")).to_have_text("refund_threat")
    expect(page.locator("#refusal-phrase")).to_contain_text("change the reason to 'no reason'")
    assert status_of(service, other.id) == "pending"
