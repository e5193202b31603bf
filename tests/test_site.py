"""The built site in a real browser: headless Chromium visits every page of the
table of contents and fails on a page that does not load, a missing image or
other resource, a broken internal link or anchor, a JavaScript error, any
request to another host (the site is self-contained: MathJax is served from
it), a formula that MathJax did not render, an image without a description,
or a serious or critical accessibility violation found by axe-core.

Chromium and its driver come from Debian (``chromium``, ``chromium-driver``);
the fixture installs them with apt when they are missing; axe-core comes from
npm (``package.json``, installed by ``make env``).  Screenshots of the landing
page and one chapter, and JSON reports of what was checked (the accessibility
report lists every violation, the minor ones too), are kept in
``test-artifacts/``.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from coursebook.build import toc_files

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
# After MathJax has typeset a page: every formula Sphinx wrote (class "math") holds MathJax's output and no
# error node, and no TeX delimiter is left in the text a reader sees (code blocks aside).
FORMULAS_SCRIPT = r"""
const done = arguments[arguments.length - 1];
const ready = window.MathJax && MathJax.startup && MathJax.startup.promise;
Promise.resolve(ready).then(() => {
  const formulas = Array.from(document.querySelectorAll(".math"));
  const body = document.body.cloneNode(true);
  body.querySelectorAll("pre, code, script, style, textarea, mjx-assistive-mml").forEach(e => e.remove());
  const text = body.textContent;
  done({
    mathjax: Boolean(window.MathJax && MathJax.version),
    formulas: formulas.length,
    rendered: formulas.filter(f => f.querySelector("mjx-container")).length,
    errors: document.querySelectorAll("mjx-merror, [data-mjx-error]").length,
    raw: ["\\(", "\\[", "$$"].filter(d => text.includes(d)),
  });
}).catch(error => done({failed: String(error)}));
"""
AXE_SCRIPT = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(results => done(results.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5), count: v.nodes.length,
})))).catch(error => done([{id: "axe-failed", impact: "critical", help: String(error), nodes: [], count: 1}]));
"""


def _chromium() -> tuple[str, str]:
    """Paths of Debian's chromium and chromedriver (``.ci/run`` installs them where they are missing)."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (browser and driver):
        pytest.fail(
            "The browser test needs Debian's chromium and chromium-driver packages, which are not installed: "
            "sudo apt-get install chromium chromium-driver (CI's .ci/run installs them)."
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
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def _visit(browser, url: str) -> None:
    browser.get_log("performance")  # drop what earlier pages requested
    browser.get(url)
    for _ in range(100):  # scripts that run after load (the theme's) get a moment
        if browser.execute_script("return document.readyState") == "complete":
            break
        time.sleep(0.1)
    time.sleep(0.3)


def _external_requests(browser, base: str) -> list[str]:
    """Every URL the page asked for from a host other than the test server (from Chromium's network log)."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.split(":", 1)[0] in ("http", "https", "ws", "wss") and not url.startswith(base):
                urls.append(url)
    return sorted(set(urls))


def _looks_like_a_path(text: str) -> bool:
    """MyST-NB's default alt text is the image file's own path: no description."""
    words = text.strip()
    return " " not in words and ("/" in words or words.endswith((".png", ".jpg", ".svg")))


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
        "external_requests": 0,
        "formulas": 0,
        "formulas_rendered": 0,
        "images_described": 0,
    }
    anchors: dict[str, set[str]] = {}
    chapters = [p for p in toc_files() if p.startswith("chapters/")]
    for page in toc_files():
        url = urljoin(base, page + ".html")
        start = len(requests)
        _visit(browser, url)
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
            "return Array.from(document.images).map(i => [i.currentSrc || i.src, i.complete && i.naturalWidth > 0, "
            "i.getAttribute('alt')])"
        )
        counted["images"] += len(images)
        problems += [f"{page}: image did not load: {src}" for src, ok, _ in images if not ok]
        for src, _, alt in images:
            described = bool(alt and alt.strip()) and not _looks_like_a_path(alt)
            counted["images_described"] += described
            if not described:
                problems.append(f"{page}: image without a description (alt={alt!r}): {src}")
        external = _external_requests(browser, base)
        counted["external_requests"] += len(external)
        problems += [f"{page}: request to another host: {request}" for request in external]
        math = browser.execute_async_script(FORMULAS_SCRIPT)
        if "failed" in math:
            problems.append(f"{page}: MathJax failed: {math['failed']}")
        else:
            counted["formulas"] += math["formulas"]
            counted["formulas_rendered"] += math["rendered"]
            if math["formulas"] and not math["mathjax"]:
                problems.append(f"{page}: {math['formulas']} formulas and no MathJax")
            if math["rendered"] != math["formulas"]:
                problems.append(
                    f"{page}: {math['formulas'] - math['rendered']} of {math['formulas']} formulas unrendered"
                )
            if math["errors"]:
                problems.append(f"{page}: {math['errors']} MathJax error nodes")
            if math["raw"]:
                problems.append(f"{page}: raw TeX delimiters {math['raw']} in the visible text")
        for entry in browser.get_log("browser"):
            if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]:
                problems.append(f"{page}: console error: {entry['message']}")
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
    assert counted["formulas"] > 0, "no formula found on any page: the math check looked at nothing"
    assert not problems, "\n".join(problems[:40])
    for shot in ("landing.png", "chapter.png"):
        assert (ARTIFACTS / shot).stat().st_size > 10_000, f"{shot} looks empty"


def test_every_page_passes_axe_core(built_site, served_site, browser):
    """axe-core (npm) in each page: no serious or critical violation; the report lists every violation."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing ({AXE}): run `make env` (npm ci).")
    base, _ = served_site
    source = AXE.read_text()
    ARTIFACTS.mkdir(exist_ok=True)
    report, failing = {}, []
    for page in toc_files():
        _visit(browser, urljoin(base, page + ".html"))
        browser.execute_script(source)
        violations = browser.execute_async_script(AXE_SCRIPT)
        report[page] = violations
        failing += [
            f"{page}: {v['impact']} {v['id']} ({v['count']} nodes: {v['help']}) e.g. {v['nodes'][:2]}"
            for v in violations
            if v["impact"] in FAILING_IMPACTS
        ]
    totals: dict[str, int] = {}
    for violations in report.values():
        for v in violations:
            key = f"{v['impact']} {v['id']}"
            totals[key] = totals.get(key, 0) + v["count"]
    (ARTIFACTS / "axe-report.json").write_text(json.dumps({"totals": totals, "pages": report}, indent=2))
    print("axe-core:", json.dumps(totals))
    assert len(report) == len(toc_files())
    assert not failing, "\n".join(failing[:30])


def _at_width(browser, width: int) -> None:
    browser.set_window_size(width, 900)
    inner = browser.execute_script("return window.innerWidth")
    if inner != width:  # the window's frame: size it so that the page itself is that wide
        browser.set_window_size(2 * width - inner, 900)


def test_results_page_reads_at_desktop_and_phone_width(built_site, served_site, browser):
    """Screenshots of "Results at a glance" at 1280 px and 390 px; at 1280 no text column under 200 px."""
    base, _ = served_site
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        _at_width(browser, 1280)
        _visit(browser, urljoin(base, "results.html"))
        narrow = browser.execute_script(
            "return Array.from(document.querySelectorAll('.course-result, article td, article th'))"
            ".filter(e => e.innerText.trim().length > 40 && e.getBoundingClientRect().width < 200)"
            ".map(e => [e.tagName, Math.round(e.getBoundingClientRect().width), e.innerText.slice(0, 60)])"
        )
        blocks = browser.execute_script("return document.querySelectorAll('.course-result').length")
        browser.save_screenshot(str(ARTIFACTS / "results-1280.png"))
        _at_width(browser, 390)
        _visit(browser, urljoin(base, "results.html"))
        browser.save_screenshot(str(ARTIFACTS / "results-390.png"))
    finally:
        browser.set_window_size(1366, 900)
    assert blocks >= len([p for p in toc_files() if p.startswith("chapters/")])
    assert not narrow, f"text columns narrower than 200 px at 1280 px: {narrow[:5]}"
    for shot in ("results-1280.png", "results-390.png"):
        assert (ARTIFACTS / shot).stat().st_size > 10_000, f"{shot} looks empty"


def test_chapter_pages_fit_a_phone(built_site, served_site, browser):
    """At 390 px no chapter page scrolls sideways (code cells and wide tables scroll inside themselves)."""
    base, _ = served_site
    chapters = [p for p in toc_files() if p.startswith("chapters/")]
    wide = []
    try:
        _at_width(browser, 390)
        for page in chapters:
            _visit(browser, urljoin(base, page + ".html"))
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 1:
                culprits = browser.execute_script(
                    "const w = document.documentElement.clientWidth;"
                    "return Array.from(document.querySelectorAll('article *'))"
                    ".filter(e => e.getBoundingClientRect().right > w + 1)"
                    ".filter(e => !e.closest('pre, table, mjx-container'))"
                    ".slice(0, 3).map(e => e.tagName + '.' + e.className)"
                )
                wide.append(f"{page}: {overflow} px too wide ({culprits})")
            if page == chapters[0]:
                browser.save_screenshot(str(ARTIFACTS / "chapter-390.png"))
    finally:
        browser.set_window_size(1366, 900)
    assert not wide, "\n".join(wide)


def test_the_student_edition_downloads_and_runs(built_site, served_site, browser, tmp_path):
    """The landing page's archive link works, and what it unpacks to runs: the wheel installs and a chapter's
    opening cells execute against it."""
    import urllib.request
    import zipfile

    import nbformat
    from nbclient import NotebookClient

    base, _ = served_site
    _visit(browser, urljoin(base, "intro.html"))
    href = browser.execute_script("const a = document.querySelector('a.course-archive'); return a && a.href")
    assert href, "the landing page has no link to the student edition's archive"
    archive = tmp_path / "edition.zip"
    with urllib.request.urlopen(href) as response:
        assert response.status == 200
        archive.write_bytes(response.read())
    with zipfile.ZipFile(archive) as opened:
        assert opened.testzip() is None
        names = opened.namelist()
        opened.extractall(tmp_path / "unpacked")
    top = tmp_path / "unpacked" / "dense-course-student-edition"
    notebooks = sorted(p.name for p in (top / "chapters").glob("*.ipynb"))
    assert notebooks == sorted(p.name for p in (ROOT / "student" / "chapters").glob("*.ipynb")), names
    wheels = list(top.glob("dense_course_helpers-*-py3-none-any.whl"))
    assert len(wheels) == 1 and wheels[0].name in (top / "README.md").read_text()
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheels[0])],
        check=True,
    )
    nb = nbformat.read(top / "chapters" / "06_batch_size.ipynb", as_version=4)
    opening = [cell for cell in nb.cells if cell.cell_type == "code"][:3]  # install, imports, setup
    nb.cells = [*opening, nbformat.v4.new_code_cell("import helpers\nprint(helpers.__file__)")]
    env = dict(os.environ, PYTHONPATH=str(target), COURSE_PROFILE="quick")
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute(
        env=env
    )
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert str(target) in printed, f"the chapter imported helpers from elsewhere: {printed!r}"
