"""Screenshots of the owner's report (Chinese and English) for the README and docs/, as PNG in docs/img/.

Builds the same demo store as the review page's pictures (scripts/screenshots.py: the real service
reading the sandbox's seeded traffic, service/web/preview.py), imports a month of order counts so the
rates have a denominator, writes the report with the real command (``marketplace-returns --lang zh|en
report --out DIR``) and photographs report.html full-page in the system Chromium via Playwright (never
``playwright install``). Chinese needs a CJK font in the system (Debian: fonts-noto-cjk), else boxes.

    .venv/bin/python scripts/report_screenshots.py [--seed 7] [--out docs/img]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from marketplace_returns.cli import app
from marketplace_returns.errors import MarketplaceReturnsError
from marketplace_returns.service import queue
from marketplace_returns.service.tables import CaseRecord
from marketplace_returns.service.web.preview import Preview, preview, system_chromium

SHOP = "demo-tb"
WIDTH = 1100


def _accept_some(running: Preview, wait_s: float = 20.0) -> None:
    """A rep accepts every other suggestion that is a platform call, so money moves and refunds
    complete (pushed through the outbox to the sandbox, polled back) and the money chart has bars."""
    with Session(running.ctx.db) as session:
        for n, (item, _) in enumerate(running.pending(SHOP)):
            if n % 2 or item.needs_approval:
                continue
            try:
                queue.accept(session, running.ctx, decision_id=item.id, rep="小王", now=running.ctx.clock(),
                             shop_id=SHOP)
            except MarketplaceReturnsError:
                continue
        session.commit()
    end = time.monotonic() + wait_s
    while time.monotonic() < end:
        httpx.post(f"{running.sandbox_url}/_sandbox/advance", json={"seconds": 3600}, timeout=10)
        time.sleep(1.0)
        with Session(running.ctx.db) as session:
            refunded = select(CaseRecord.id).where(col(CaseRecord.refunded_amount).is_not(None))
            done = session.exec(refunded).all()
        if len(done) >= 5:
            return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--refunds", type=int, default=60)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs" / "img")
    args = parser.parse_args()
    chromium = system_chromium()
    if chromium is None:
        sys.stderr.write("no chromium on PATH (apt-get install chromium)\n")
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    runner = CliRunner()
    with tempfile.TemporaryDirectory(prefix="mr-report-shots-") as tmp:
        work = Path(tmp)
        with preview(work, seed=args.seed, refunds=args.refunds) as running:
            _accept_some(running)
            today = running.ctx.clock().date()
        db = f"sqlite:///{work / 'preview.db'}"
        since = today - timedelta(days=13)
        orders = work / "orders.csv"
        orders.write_text(
            "day,paid_orders,signed_orders\n"
            + "".join(f"{since + timedelta(days=d)},{900 + 37 * (d % 5)},{760 + 29 * (d % 4)}\n"
                      for d in range(14)),
            encoding="utf-8",
        )
        done = runner.invoke(app, ["orders", "import", str(orders), "--db", db, "--shop", SHOP])
        if done.exit_code != 0:
            sys.stderr.write(done.output)
            return 1
        pages = {}
        for lang in ("zh", "en"):
            folder = work / lang
            done = runner.invoke(app, ["--lang", lang, "report", "--db", db, "--shop", SHOP, "--since",
                                       str(since), "--until", str(today), "--out", str(folder)])
            if done.exit_code != 0:
                sys.stderr.write(done.output)
                return 1
            pages[lang] = folder / "report.html"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            try:
                page = browser.new_page(viewport={"width": WIDTH, "height": 900}, device_scale_factor=1)
                for lang, html in pages.items():
                    page.goto(html.as_uri())
                    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
                    page.wait_for_timeout(1500)  # plotly lays out after the first paint
                    page.screenshot(path=str(args.out / f"report-{lang}.png"), full_page=True)
            finally:
                browser.close()
    for name in sorted(args.out.glob("report-*.png")):
        sys.stdout.write(f"{name} {name.stat().st_size // 1024} KB\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
