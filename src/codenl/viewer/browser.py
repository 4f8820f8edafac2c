"""Headless Chromium for the results browser's tests and benchmark: the system's Chromium and chromedriver
(Debian's ``chromium`` and ``chromium-driver``), driven by selenium; no browser is ever downloaded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


def find_chromium() -> tuple[str | None, str | None]:
    """Paths of the browser and of its driver (None when absent)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None
    )
    return browser, driver


@contextmanager
def chromium() -> Iterator[Any]:
    """A selenium WebDriver on a fresh profile, console messages recorded (``driver.get_log("browser")``)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = find_chromium()
    if browser is None or driver_path is None:
        raise RuntimeError(
            "chromium and chromedriver are not installed (Debian: apt-get install chromium "
            "chromium-driver; scripts/setup-system.sh does it)"
        )
    profile = tempfile.mkdtemp(prefix="codenl-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=driver_path)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
