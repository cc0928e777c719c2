"""Make the CJK font the HTML report embeds: a subset of Noto Sans CJK SC holding only the Chinese glyphs
the report's own words use, as WOFF2, at ``src/marketplace_returns/metrics/fonts/report-cjk.woff2``.

Why a subset made here and committed: the report is one self-contained HTML file, and a reader without a
Chinese font (a bare Linux desktop, a container) saw 退款率 as boxes. A whole CJK font is 16 MB; the
report's words (the Chinese catalogue in ``i18n.py``, the platforms' metric names and definitions in
``connectors/*/metrics.yaml``, the reasons and other words in ``connectors/*/profile.yaml``) need a few
hundred glyphs, about 100 KB. ``tests/test_report_font.py`` fails when one of those words gains a glyph
the font lacks: run this script again, with any Noto Sans CJK regular font, and commit the result.

Licence: Noto Sans CJK is under the SIL Open Font License 1.1 (© 2014-2021 Adobe; Reserved Font Name
"Source"); the subset is a Modified Version under the same licence (``fonts/OFL.txt`` beside it), named
"MR Report CJK" so it uses no reserved name and does not pass for the original.

    pip install 'fonttools[woff]'
    python scripts/report_font.py NotoSansCJK-Regular.ttc   # Debian/Ubuntu: package fonts-noto-cjk
    python scripts/report_font.py NotoSansCJKsc-Regular.otf # or the upstream release's SC face
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from marketplace_returns.metrics.report_font import FAMILY, FONT_PATH, needed_text  # noqa: E402


def main() -> int:
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="A Noto Sans CJK regular font (.ttc, or an SC .otf)")
    args = parser.parse_args()
    if args.source.suffix.lower() == ".ttc":
        faces = TTCollection(str(args.source)).fonts
        font = next((f for f in faces if f["name"].getDebugName(1) == "Noto Sans CJK SC"), None)
        if font is None:
            parser.error(f"{args.source} holds no 'Noto Sans CJK SC' face")
    else:
        font = TTFont(str(args.source))
    text = needed_text()
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = []  # horizontal Chinese needs no substitutions; vertical forms are not drawn
    options.name_IDs = [0, 7, 13, 14]  # copyright, trademark, licence, licence URL; names set below
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted({ord(c) for c in text}))
    subsetter.subset(font)
    name = font["name"]
    for name_id, value in ((1, FAMILY), (2, "Regular"), (3, f"{FAMILY} Regular (subset of Noto Sans CJK SC)"),
                           (4, f"{FAMILY} Regular"), (6, FAMILY.replace(" ", "") + "-Regular")):
        name.setName(value, name_id, 3, 1, 0x409)
    if "CFF " in font:  # the PostScript name inside CFF too, so nothing still calls itself Noto
        cff = font["CFF "].cff
        cff.fontNames = [FAMILY.replace(" ", "") + "-Regular"]
        top = cff.topDictIndex[0]
        for key in ("FullName", "FamilyName"):
            if hasattr(top, key):
                setattr(top, key, FAMILY if key == "FamilyName" else f"{FAMILY} Regular")
    FONT_PATH.parent.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff2"
    font.save(str(FONT_PATH))
    missing = sorted({c for c in text if ord(c) not in font.getBestCmap()})
    sys.stdout.write(f"{FONT_PATH.relative_to(ROOT)}: {len(set(text))} characters, "
                     f"{FONT_PATH.stat().st_size:,} bytes"
                     + (f"; not in the source font: {''.join(missing)}" if missing else "") + "\n")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
