"""Screenshots of the review page (Chinese and English) for the README and docs/, as PNG in docs/img/.

Runs the real service over the sandbox's seeded demo traffic (service/web/preview.py), logs in with a
shop token and photographs the queue and one case card in each language, driving the system Chromium
with Playwright (never `playwright install`: its own browser download does not work here). Chinese
text needs a CJK font in the system (Debian: fonts-noto-cjk); without one the glyphs come out as boxes.

    .venv/bin/python scripts/screenshots.py [--seed 7] [--out docs/img]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from marketplace_returns.service.web.preview import preview, system_chromium

SHOP = "demo-tb"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--refunds", type=int, default=40)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs" / "img")
    args = parser.parse_args()
    chromium = system_chromium()
    if chromium is None:
        sys.stderr.write("no chromium on PATH (apt-get install chromium)\n")
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mr-shots-") as tmp, \
            preview(Path(tmp), seed=args.seed, refunds=args.refunds) as running, sync_playwright() as p:
        waiting = running.pending(SHOP)
        # A card worth showing: evidence, money compared and a reply.
        shown = ("offer_partial_refund", "request_reason_change")
        detail_id = next((ref for i, ref in waiting if i.action in shown), waiting[0][1])
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 820}, device_scale_factor=1)
            page.goto(f"{running.url}/ui/login?lang=zh")
            page.fill("input[name=token]", running.tokens[SHOP])
            page.fill("input[name=rep]", "小王")
            page.click("button[type=submit]")
            for lang in ("zh", "en"):
                page.goto(f"{running.url}/ui/queue?lang={lang}")
                page.screenshot(path=str(args.out / f"review-queue-{lang}.png"))
                page.goto(f"{running.url}/ui/queue/{detail_id}?lang={lang}")
                page.screenshot(path=str(args.out / f"review-case-{lang}.png"), full_page=True)
        finally:
            browser.close()
    for name in sorted(args.out.glob("review-*.png")):
        sys.stdout.write(f"{name}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
