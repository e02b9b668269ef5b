"""The HTML report in a real headless Chromium: it renders, stays offline, runs no injected code.

Chromium is Debian's (`make unit` installs it when root). Without it the tests skip locally but
fail in CI (`CI=true`), so the acceptance test can never silently stop running there.
"""

from __future__ import annotations

import os
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.browser.cdp import Chromium, chromium_path, open_page
from tests.engine.report_runs import showcase_run

from cxone_outbound.report import write_report

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    binary = chromium_path()
    if binary is None:
        message = "chromium is not installed (apt-get install chromium, or `make unit` as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("chromium")
    chromium = Chromium(binary, home / "profile", home / "chromium.log")
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = showcase_run(tmp_path_factory.mktemp("runs") / "20240101-000000-showme")
    return write_report(run_dir)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_report_renders_without_console_errors_and_makes_a_screenshot(
    browser: Chromium, report: Path, tmp_path: Path
) -> None:
    async with open_page(browser) as page:
        await page.set_viewport(1280, 900)
        await page.open(report.as_uri())
        assert (
            await page.evaluate("document.title")
            == "update 20240101-000000-showme · cxo run report"
        )
        assert await page.evaluate("document.querySelectorAll('svg.chart').length") == 3
        assert await page.evaluate("document.querySelectorAll('section.card').length") == 7
        shot = await page.screenshot(tmp_path / "report.png", width=1280)
        assert page.problems() == []
    width, height = png_size(shot)
    assert width == 1280 and height > 2000  # the whole page, not a blank viewport
    assert len(shot) > 60_000  # charts and text, not a flat colour
    if target := os.environ.get("CXO_REPORT_SCREENSHOT"):
        shutil.copy(tmp_path / "report.png", target)


async def test_report_fetches_nothing_and_runs_no_injected_script(
    browser: Chromium, report: Path
) -> None:
    async with open_page(browser) as page:
        await page.open(report.as_uri())
        assert await page.evaluate("typeof window.__pwned") == "undefined"
        assert await page.evaluate("document.querySelectorAll('img, h1').length") == 1
        shown = await page.evaluate("document.querySelector('table.sortable').textContent")
        assert "<script>window.__pwned = 1</script>" in shown  # as text, for the reader
        assert [u for u in page.requested_urls() if not u.startswith("file:")] == []
        assert page.problems() == []


async def test_failures_table_sorts_on_a_header_click(browser: Chromium, report: Path) -> None:
    async with open_page(browser) as page:
        await page.open(report.as_uri())
        first_line = (
            "(() => { const th = [...document.querySelectorAll('table.sortable th')]"
            ".find(t => t.textContent === 'line'); th.click(); th.click();"
            " return document.querySelector('table.sortable tbody td').textContent; })()"
        )
        assert await page.evaluate(first_line) == "902"  # descending after the second click
        assert page.problems() == []


async def test_report_fits_a_phone_screen_without_sideways_scrolling(
    browser: Chromium, report: Path
) -> None:
    async with open_page(browser) as page:
        await page.set_viewport(390, 844)
        await page.open(report.as_uri())
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0


async def test_console_errors_are_caught_by_this_harness(browser: Chromium, tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><script>console.error('boom'); undefinedCall();</script>")
    async with open_page(browser) as page:
        await page.open(broken.as_uri())
        problems = page.problems()
    assert any("boom" in p for p in problems)
    assert any("undefinedCall" in p for p in problems)
