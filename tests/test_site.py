"""The built site in a real browser: headless Chromium visits every page of the
table of contents and fails on a page that does not load, a missing image or
other resource, a broken internal link or anchor, or a JavaScript error.

Chromium and its driver come from Debian (``chromium``, ``chromium-driver``);
the fixture installs them with apt when they are missing.  Screenshots of the
landing page and one chapter, and a JSON report of what was checked, are kept
in ``test-artifacts/``.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from coursebook.build import toc_files

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
# Resources a page may load from elsewhere (MathJax from its CDN); the test
# machine is offline, so these are counted, not checked.
EXTERNAL_FAILURE_MARKERS = (
    "net::ERR_NAME_NOT_RESOLVED",
    "net::ERR_INTERNET_DISCONNECTED",
    "net::ERR_CONNECTION_REFUSED",
    "net::ERR_TIMED_OUT",
    "net::ERR_PROXY_CONNECTION_FAILED",
    "net::ERR_ADDRESS_UNREACHABLE",
    "net::ERR_NETWORK_ACCESS_DENIED",
)


def _chromium() -> tuple[str, str]:
    """Paths of Debian's chromium and chromedriver; apt-get installs them when absent."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = [*prefix, "apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"]
    result = subprocess.run(install, capture_output=True, text=True, env=env)
    if result.returncode != 0:  # a fresh machine may have no package lists yet
        subprocess.run([*prefix, "apt-get", "update", "-qq"], capture_output=True, text=True, env=env)
        result = subprocess.run(install, capture_output=True, text=True, env=env)
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (browser and driver):
        pytest.fail(
            "The browser test needs Debian's chromium and chromium-driver packages, and installing them "
            f"failed:\n{result.stderr[-2000:]}\nInstall them with: sudo apt-get install chromium chromium-driver"
        )
    return browser, driver


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list[tuple[str, int]]

    def log_request(self, code="-", size="-"):  # record every request with its status, print nothing
        self.server.log.append((unquote(urlsplit(self.path).path), int(code)))

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served_site(built_site):
    server = _Server(("127.0.0.1", 0), functools.partial(_Handler, directory=str(built_site)))
    server.log = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", server.log
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1366,900",
        "--hide-scrollbars",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _ids(site: Path, page: str, cache: dict[str, set[str]]) -> set[str]:
    if page not in cache:
        soup = BeautifulSoup((site / page).read_text(), "html.parser")
        cache[page] = {tag["id"] for tag in soup.select("[id]")} | {tag["name"] for tag in soup.select("a[name]")}
    return cache[page]


def test_every_page_loads_cleanly_in_chromium(built_site, served_site, browser):
    base, requests = served_site
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    counted = {
        "pages": 0,
        "images": 0,
        "internal_links": 0,
        "anchors": 0,
        "resources": 0,
        "external_resources_unreachable_offline": 0,
    }
    anchors: dict[str, set[str]] = {}
    chapters = [p for p in toc_files() if p.startswith("chapters/")]
    for page in toc_files():
        url = urljoin(base, page + ".html")
        start = len(requests)
        browser.get(url)
        for _ in range(100):  # scripts that run after load (the theme's) get a moment
            if browser.execute_script("return document.readyState") == "complete":
                break
            time.sleep(0.1)
        time.sleep(0.3)
        counted["pages"] += 1
        own = [(path, code) for path, code in requests[start:]]
        counted["resources"] += len(own)
        page_status = [code for path, code in own if path == "/" + page + ".html"]
        if not page_status or page_status[0] != 200:
            problems.append(f"{page}: the page did not load (status {page_status})")
        for path, code in own:
            if code >= 400 and path != "/favicon.ico":  # no favicon is set; browsers ask anyway
                problems.append(f"{page}: {path} answered {code}")
        images = browser.execute_script(
            "return Array.from(document.images).map(i => [i.currentSrc || i.src, i.complete && i.naturalWidth > 0])"
        )
        counted["images"] += len(images)
        problems += [f"{page}: image did not load: {src}" for src, ok in images if not ok]
        for entry in browser.get_log("browser"):
            if entry["level"] != "SEVERE":
                continue
            message = entry["message"]
            if any(marker in message for marker in EXTERNAL_FAILURE_MARKERS) and "127.0.0.1" not in message:
                counted["external_resources_unreachable_offline"] += 1
            elif "favicon.ico" in message:
                continue
            else:
                problems.append(f"{page}: console error: {message}")
        links = browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        for link in links:
            parts = urlsplit(link)
            if not link.startswith(base):
                continue
            counted["internal_links"] += 1
            target = unquote(parts.path).lstrip("/") or "index.html"
            if target.endswith("/"):
                target += "index.html"
            if not (built_site / target).is_file():
                problems.append(f"{page}: broken link to {target}")
                continue
            if parts.fragment and target.endswith(".html"):
                counted["anchors"] += 1
                if unquote(parts.fragment) not in _ids(built_site, target, anchors):
                    problems.append(f"{page}: link to a missing anchor {target}#{parts.fragment}")
        if page == toc_files()[0]:
            browser.save_screenshot(str(ARTIFACTS / "landing.png"))
        if page == chapters[0]:
            browser.save_screenshot(str(ARTIFACTS / "chapter.png"))
    report = dict(counted, problems=problems, pages_visited=toc_files())
    (ARTIFACTS / "browser-report.json").write_text(json.dumps(report, indent=2))
    print("browser test:", json.dumps(counted))
    assert counted["pages"] == len(toc_files()) and counted["images"] > 0 and counted["internal_links"] > 0
    assert not problems, "\n".join(problems[:40])
    for shot in ("landing.png", "chapter.png"):
        assert (ARTIFACTS / shot).stat().st_size > 10_000, f"{shot} looks empty"
