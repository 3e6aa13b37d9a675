"""Browser tests: Debian's Chromium, driven by Playwright, against the live sandbox.

Playwright's synchronous API keeps an event loop running in the test's thread, and Django
refuses synchronous database calls there; tests therefore reach the database through
`orm()` (a short-lived worker thread) and everything else over HTTP, as a browser and an
integration would.
"""

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.webhooks.receiver import receiver

__all__ = ["receiver"]


def chromium_missing() -> str | None:
    if os.access(CHROMIUM, os.X_OK):
        return None
    return (
        f"Chromium is not installed at {CHROMIUM} "
        "(apt-get install chromium; `make test` installs it when it can)"
    )


@pytest.fixture
def browser(transactional_db: None) -> Iterator[Browser]:
    """A Chromium for one test; it is closed before the test's data is flushed."""
    missing = chromium_missing()
    if missing is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests need Chromium in CI: {missing}")
        pytest.skip(missing)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
