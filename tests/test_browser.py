"""The built website in a real browser, offline: formulas typeset, explorers respond.

Headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by Selenium) opens
every chapter page of the book built by the ``site`` fixture, served from localhost; every
other host name fails to resolve, so anything the site fetched from the internet would show
up as a failed request. Without Chromium the test is skipped with an install hint, except
under ``CI=true``, where it fails. ``UPDATE_SCREENSHOTS=1`` rewrites the screenshots that
``book/running.md`` shows.
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import ROOT, SITE_TIMEOUT_S

pytestmark = [pytest.mark.slow, pytest.mark.timeout(SITE_TIMEOUT_S)]

INSTALL_HINT = ("the browser test needs Chromium, its driver and Selenium: on Debian or Ubuntu "
                "`sudo apt-get install chromium chromium-driver` and `pip install -e '.[dev]'`")
SCREENSHOTS = ROOT / "book" / "images"
PAGE_TIMEOUT_S = 60


def chromium_paths() -> tuple[str, str] | None:
    """(browser, driver) executables, or None when either is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    paths = chromium_paths()
    try:
        from selenium import webdriver
    except ImportError:
        paths = None
    if paths is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing under CI: {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1200,900", "--hide-scrollbars",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
                     # Only localhost resolves: a request to any other host fails.
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=paths[1]), options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT_S)
    driver.set_script_timeout(PAGE_TIMEOUT_S)
    driver.get("about:blank")
    driver.get_log("performance"), driver.get_log("browser")  # drop the start-up tab's failed requests
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def server(site):
    """The built site on http://127.0.0.1:<port>/."""
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def network_problems(driver) -> list[str]:
    """Failed requests, error responses and requests to other hosts since the last call."""
    urls, problems = {}, []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        method, params = message["method"], message.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            host = urlparse(url).hostname
            if url.startswith(("http:", "https:", "ws:", "wss:")) and host != "127.0.0.1":
                problems.append(f"request to another host: {url}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            problems.append(f"failed: {urls.get(params['requestId'], '?')} ({params.get('errorText')})")
        elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
            problems.append(f"HTTP {params['response']['status']}: {params['response']['url']}")
    return problems


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


# Text a reader sees, without code (code may hold a literal "\(").
READER_TEXT_JS = """
const body = document.body.cloneNode(true);
body.querySelectorAll('pre, code, script, style, mjx-container, .highlight').forEach(e => e.remove());
return body.textContent;
"""
MATHJAX_DONE_JS = """
const done = arguments[arguments.length - 1];
const wait = () => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise)
        MathJax.startup.promise.then(() => done(true), e => done(String(e)));
    else if (document.readyState === "complete") done("MathJax is not on the page");
    else setTimeout(wait, 50);
};
wait();
"""
# The visible frame of an explorer: its images' sources and its text, and whether its images decoded.
FRAME_JS = """
const frames = [...arguments[0].querySelectorAll('.cvx-frame')].filter(f => !f.hidden);
return frames.map(f => ({html: f.innerHTML,
                         decoded: [...f.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0)}));
"""


def explorer_count(chapter: str) -> int:
    return (ROOT / "solutions" / f"{chapter}.md").read_text().count("widgets.explore(")


def visible_frame(driver, explorer) -> dict:
    frames = driver.execute_script(FRAME_JS, explorer)
    assert len(frames) == 1, f"{len(frames)} frames visible at once"
    assert frames[0]["decoded"], "an image of the explorer did not load"
    return frames[0]


def move(control) -> None:
    """Move a control one step from where it is, as a reader would with the keyboard or mouse."""
    from selenium.webdriver.common.keys import Keys

    kind = control.get_attribute("type")
    if kind == "checkbox":
        control.click()
    elif kind == "range":
        at_end = control.get_attribute("value") == control.get_attribute("max")
        control.send_keys(Keys.ARROW_LEFT if at_end else Keys.ARROW_RIGHT)
    else:  # a drop-down
        from selenium.webdriver.support.select import Select

        select = Select(control)
        index = int(control.get_attribute("value"))
        select.select_by_index(index - 1 if index == len(select.options) - 1 else index + 1)


def other_positions(control):
    """Move a control to each of its other positions in turn (yielding after each move)."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.select import Select

    kind = control.get_attribute("type")
    if kind == "checkbox":
        control.click()
        yield
    elif kind == "range":
        control.send_keys(Keys.HOME)
        for _ in range(int(control.get_attribute("max")) + 1):
            if control.get_attribute("value") != control.get_attribute("data-default"):
                yield
            control.send_keys(Keys.ARROW_RIGHT)
    else:
        select = Select(control)
        for index in range(len(select.options)):
            if str(index) != control.get_attribute("data-default"):
                select.select_by_index(index)
                yield


def chapters(site) -> list[str]:
    return sorted(p.stem for p in (site / "chapters").glob("*.html"))


def check_chapter(driver, server, chapter) -> list[str]:
    """Everything wrong with one chapter page, as messages."""
    from selenium.webdriver.common.by import By

    driver.get(f"{server}chapters/{chapter}.html")
    wrong = []
    typeset = driver.execute_async_script(MATHJAX_DONE_JS)
    if typeset is not True:
        wrong.append(f"MathJax did not finish: {typeset}")
    if driver.find_elements(By.CSS_SELECTOR, "span.math, div.math") and \
            not driver.find_elements(By.TAG_NAME, "mjx-container"):
        wrong.append("MathJax typeset nothing")
    text = driver.execute_script(READER_TEXT_JS)
    for raw in (r"\(", r"\["):
        if raw in text:
            at = text.index(raw)
            wrong.append(f"raw LaTeX left in the page: ...{text[max(0, at - 40):at + 40]!r}...")
    explorers = driver.find_elements(By.CSS_SELECTOR, ".cvx-explorer")
    if len(explorers) != explorer_count(chapter):
        wrong.append(f"{len(explorers)} explorers on the page, {explorer_count(chapter)} in the chapter")
    for number, explorer in enumerate(explorers, 1):
        driver.execute_script("arguments[0].scrollIntoView()", explorer)
        default = visible_frame(driver, explorer)
        # Moving a control puts the others back to their defaults, so each control is moved
        # from the defaults; it must change the figure at one of its positions at least.
        for control in explorer.find_elements(By.CSS_SELECTOR, "[data-control]"):
            if not any(visible_frame(driver, explorer)["html"] != default["html"] for _ in other_positions(control)):
                wrong.append(f"explorer {number}: no position of {control.get_attribute('data-control')!r} "
                             f"changes the figure")
    wrong += [f"console error: {message}" for message in console_errors(driver)]
    wrong += network_problems(driver)
    return wrong


def test_every_chapter_page_works_offline_in_chromium(site, server, browser):
    problems = {}
    for chapter in chapters(site):
        wrong = check_chapter(browser, server, chapter)
        if wrong:
            problems[chapter] = wrong
    assert not problems, "\n".join(f"{chapter}: {message}" for chapter, messages in problems.items()
                                   for message in messages)


def test_other_pages_load_without_errors(site, server, browser):
    for page in ("index.html", "book/running.html", "book/references.html", "search.html"):
        browser.get(f"{server}{page}")
        browser.execute_async_script(MATHJAX_DONE_JS)
        wrong = console_errors(browser) + network_problems(browser)
        assert not wrong, f"{page}: " + "\n".join(wrong)


def small_png(png: bytes, width: int) -> bytes:
    """A screenshot narrowed to ``width`` pixels, in 128 colours: a small file for the docs."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def test_screenshots_for_the_docs(site, server, browser, tmp_path):
    """The chapter page and the explorer that ``book/running.md`` shows."""
    from selenium.webdriver.common.by import By

    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    browser.get(f"{server}chapters/01-pixels.html")
    browser.execute_async_script(MATHJAX_DONE_JS)
    (folder / "website-chapter.png").write_bytes(small_png(browser.get_screenshot_as_png(), 800))
    browser.get(f"{server}chapters/02-filtering.html")
    browser.execute_async_script(MATHJAX_DONE_JS)
    explorer = browser.find_elements(By.CSS_SELECTOR, ".cvx-explorer")[0]
    browser.execute_script("arguments[0].scrollIntoView()", explorer)
    move(explorer.find_element(By.CSS_SELECTOR, "[data-control]"))
    (folder / "website-explorer.png").write_bytes(small_png(explorer.screenshot_as_png, 800))
    for name in ("website-chapter.png", "website-explorer.png"):
        assert 1_000 < (folder / name).stat().st_size < 300_000
        assert re.search(rf"\(images/{name}\)", (ROOT / "book" / "running.md").read_text()), \
            f"book/running.md should show images/{name}"
