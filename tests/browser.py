"""The system Chromium for the playwright tests, or a skip that says what is missing and what it stops.

Why here: the review-page and report-font tests both need the binary and the playwright package, and
must skip before importing playwright where either is absent.
"""

from __future__ import annotations

import pytest

from marketplace_returns.service.web.preview import system_chromium


def chromium_for_playwright(cannot: str) -> str:
    """The Chromium binary's path; skips with "...: cannot <cannot>" when it or playwright is missing."""
    path = system_chromium()
    if path is None:
        pytest.skip(f"no chromium binary on PATH (apt-get install chromium): cannot {cannot}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is not installed (the dev extra has it)")
    return path
