"""The HTML report carries its Chinese font: a subset of Noto Sans CJK SC (OFL) holding every glyph of the
report's own words, inline as base64, first in the font list for CJK code points only (the reader's fonts
after it); in headless Chromium the page's and the charts' Chinese is drawn by it, not by a missing-glyph
box."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont

from browser import chromium_for_playwright
from marketplace_returns.i18n import set_lang
from marketplace_returns.metrics import report_font
from marketplace_returns.metrics.render_html import FONTS, figures, render_html
from test_report_people import report_of, store

FACE = re.compile(r"@font-face\{font-family:'MR Report CJK';"
                  r"src:url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\)[^}]*unicode-range:U\+2E80-9FFF,")


@pytest.fixture
def chinese() -> Iterator[None]:
    set_lang("zh")
    yield
    set_lang("en")


def _font() -> Any:
    return TTFont(io.BytesIO(report_font.font_bytes()))


def test_the_font_is_small_licensed_renamed_and_holds_every_glyph_the_report_words_use() -> None:
    data = report_font.font_bytes()
    assert len(data) <= 200_000  # a subset, not the 16 MB font
    font = _font()
    assert font.flavor == "woff2"
    names = font["name"]
    assert names.getDebugName(1) == "MR Report CJK" and "Noto" not in (names.getDebugName(4) or "")
    assert "SIL Open Font License" in (names.getDebugName(13) or "")
    licence = (Path(report_font.__file__).parent / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Adobe" in licence
    cmap = font.getBestCmap()
    needed = report_font.needed_text()
    assert {"退", "款", "率", "品", "质", "纠", "纷", "（", "）"} <= set(needed)
    missing = "".join(c for c in needed if ord(c) not in cmap)
    assert not missing, f"run scripts/report_font.py: the report font lacks {missing}"


def test_a_chinese_report_embeds_the_font_and_names_it_before_the_readers_own(tmp_path: Path,
                                                                             chinese: None) -> None:
    report = report_of(store(tmp_path))
    html = render_html(report)
    found = FACE.search(html)
    assert found is not None and base64.b64decode(found.group(1)) == report_font.font_bytes()
    assert FONTS.startswith("'MR Report CJK', ")  # first, for CJK code points only (unicode-range)
    assert FONTS.index("'Noto Sans CJK SC'") < FONTS.index("sans-serif")
    assert all(fig.layout.font.family == FONTS for _, fig in figures(report))  # the charts' SVG text too
    cmap = _font().getBestCmap()
    words = "".join(fig.layout.title.text or "" for _, fig in figures(report))
    words += re.sub(r"<script.*?</script>", "", html, flags=re.S)  # the page less plotly.js itself
    shown = {c for c in words if report_font.is_cjk(c)}
    assert {"退", "款", "报", "告"} <= shown
    assert not [c for c in shown if ord(c) not in cmap]


def test_headless_chromium_draws_the_chinese_with_the_embedded_font(tmp_path: Path, chinese: None) -> None:
    executable = chromium_for_playwright("see what draws the glyphs")
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report_of(store(tmp_path))), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            page.evaluate("document.fonts.ready.then(() => true)")
            cdp = page.context.new_cdp_session(page)
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            root = cdp.send("DOM.getDocument")["root"]["nodeId"]
            used = {}
            for selector in ("h1", "h2", "#chart-time .gtitle"):  # the page, and a chart's SVG title
                node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
                used[selector] = {f["familyName"]: f["glyphCount"] for f in fonts}
        finally:
            browser.close()
    # 退款报告, 考核指标, 退款数与退款率走势: drawn by the embedded font, never as missing-glyph boxes
    assert used["h1"].get("MR Report CJK") == 4, used
    assert used["h2"] == {"MR Report CJK": 4}, used
    assert used["#chart-time .gtitle"] == {"MR Report CJK": 9}, used
