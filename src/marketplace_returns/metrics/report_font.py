"""The Chinese font the HTML report carries inside itself, so 退款率 never draws as boxes.

Why embedded: the report is one file an owner opens anywhere, and a machine without a CJK font (a bare
Linux desktop, a container, some kiosks) showed every Chinese word in the page and in the charts as
boxes; naming fonts (``render_html.FONTS``) only helps where one of them is installed. The font is a
subset of Noto Sans CJK SC (SIL Open Font License 1.1, ``fonts/OFL.txt``) holding the glyphs of the
report's own words: the Chinese catalogue (``i18n.ZH``) and every Chinese character of the platforms'
``metrics.yaml`` and ``profile.yaml`` (metric names, definitions, the reasons buyers file). That is a
few hundred glyphs in about 100 KB of WOFF2, which ``scripts/report_font.py`` makes and
``tests/test_report_font.py`` checks still covers them. It comes first in the page's font list and is
declared for CJK code points only: it draws the Chinese it holds on every machine alike, Latin text keeps
the reader's fonts, and free text from elsewhere (a shop's Chinese name, a reason a platform adds later)
falls back, glyph by glyph, to the reader's own Chinese fonts.
"""

from __future__ import annotations

import base64
from importlib import resources
from pathlib import Path

FAMILY = "MR Report CJK"
"""The subset's family name (not "Noto ...": a Modified Version must not pass for the original)."""
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "report-cjk.woff2"
"""Where ``scripts/report_font.py`` writes it in a checkout (read through ``importlib.resources``)."""


CJK_RANGES = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))
"""CJK radicals to ideographs (with CJK punctuation, kana, ext. A), compatibility ideographs, vertical and
full-width forms: what the font is used for (its ``unicode-range``), and what it must cover."""


def is_cjk(char: str) -> bool:
    """A character a Latin font will not draw: CJK ideographs, radicals, CJK punctuation and full-width
    forms (（）：，。「」)."""
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


def needed_text() -> str:
    """Every CJK character the report's own words can use, sorted: the font must hold them all."""
    from marketplace_returns.i18n import ZH
    from marketplace_returns.resources import data_dir

    text = "".join(ZH.values())
    for platform in data_dir("connectors").iterdir():
        for name in ("metrics.yaml", "profile.yaml"):
            source = platform / name
            if source.is_file():
                text += source.read_text(encoding="utf-8")
    return "".join(sorted({c for c in text if is_cjk(c)}))


def font_bytes() -> bytes:
    return (resources.files("marketplace_returns.metrics") / "fonts" / "report-cjk.woff2").read_bytes()


def font_face() -> str:
    """The ``@font-face`` rule with the font inline (base64), for the page's ``<style>``."""
    data = base64.b64encode(font_bytes()).decode("ascii")
    ranges = ",".join(f"U+{low:04X}-{high:04X}" for low, high in CJK_RANGES)
    return (f"@font-face{{font-family:'{FAMILY}';src:url(data:font/woff2;base64,{data}) format('woff2');"
            f"font-weight:normal;font-style:normal;font-display:block;unicode-range:{ranges}}}")


__all__ = ["CJK_RANGES", "FAMILY", "FONT_PATH", "font_bytes", "font_face", "is_cjk", "needed_text"]
