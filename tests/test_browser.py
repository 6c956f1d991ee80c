"""The HTML report in a real browser: headless Chromium (Debian's `chromium`), driven over
the DevTools protocol. No console errors, no network request, filters and keyboard
navigation work on files opened from disk; screenshots go to tests/_artifacts/."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "_artifacts"
websocket = pytest.importorskip("websocket", reason="websocket-client (dev extra) is needed")


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Page:
    """A minimal DevTools-protocol client for one tab: commands, and the events seen so far."""

    def __init__(self, ws_url: str):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def send(self, method: str, **params):
        mid = next(self.ids)
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 20):
        end = time.monotonic() + timeout
        seen = len(self.events)
        while time.monotonic() < end:
            for ev in self.events[seen:]:
                if ev.get("method") == method:
                    return ev
            seen = len(self.events)
            self.ws.settimeout(max(0.1, end - time.monotonic()))
            try:
                self.events.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
        raise TimeoutError(method)

    def js(self, expr: str):
        r = self.send("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise AssertionError(r["exceptionDetails"])
        return r["result"].get("value")

    def key(self, k: str):
        for t in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=t, key=k, text=k if t == "keyDown" else "",
                      code=f"Key{k.upper()}", windowsVirtualKeyCode=ord(k.upper()))

    def open(self, url: str):
        self.events.clear()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        self.js("new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))")

    def screenshot(self, path: Path):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def problems(self) -> tuple[list, list]:
        """(console errors and exceptions, requests to anything but the page's own file)."""
        errors, requests = [], []
        for ev in self.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.exceptionThrown":
                errors.append(p["exceptionDetails"].get("text"))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                errors.append([a.get("value") for a in p.get("args", [])])
            elif m == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                errors.append(p["entry"]["text"])
            elif m == "Network.requestWillBeSent":
                requests.append(p["request"]["url"])
        return errors, requests


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        pytest.skip("no chromium on this machine (.ci/run installs Debian's chromium)")
    profile = Path(tempfile.mkdtemp(prefix="sfia-qa-chromium-"))
    proc = subprocess.Popen(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         "--disable-default-apps", "--hide-scrollbars", "--window-size=1500,1100",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        end = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().strip()) and time.monotonic() < end:
            if proc.poll() is not None:
                pytest.skip(f"chromium exited with {proc.returncode} at start")
            time.sleep(0.1)
        if not port_file.is_file():
            pytest.fail("chromium did not open its DevTools port in 30 s")
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            tab = next(t for t in json.load(r) if t["type"] == "page")
        page = Page(tab["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        page.send("Emulation.setDeviceMetricsOverride", width=1500, height=1100, deviceScaleFactor=1, mobile=False)
        yield page
        page.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    from test_report import make_context, write  # the same small run the report tests use

    out = tmp_path_factory.mktemp("browser") / "reports"
    write(make_context(out, evil=True), fail_on="warning")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return out


def _check_clean(page: Page, url: str):
    errors, requests = page.problems()
    assert errors == [], errors
    assert [u for u in requests if u != url] == []  # nothing fetched beyond the page itself
    assert page.js("window.__pwned === undefined && !document.querySelector('img')")


def test_dashboard_renders_offline_without_errors(browser, reports):
    url = (reports / "index.html").as_uri()
    browser.open(url)
    _check_clean(browser, url)
    assert browser.js("document.querySelectorAll('section svg').length") == 2  # one chart per language
    assert browser.js("document.querySelector('a[href=\"lang-ar.html\"]') !== null")
    browser.screenshot(ARTIFACTS / "index.png")


@pytest.mark.parametrize("lang", ["ar", "pl"])
def test_language_page_filters_and_keyboard(browser, reports, lang):
    url = (reports / f"lang-{lang}.html").as_uri()
    browser.open(url)
    _check_clean(browser, url)
    total = browser.js("document.querySelectorAll('table.review tbody tr').length")
    visible = "Array.from(document.querySelectorAll('table.review tbody tr')).filter(r => r.offsetParent !== null)"
    assert browser.js(f"{visible}.length") == total
    assert browser.js("document.getElementById('f-count').textContent") == f"{total} of {total} segments shown"
    # the severity filter: at or above warning leaves exactly the rows with such a finding
    browser.js("const s = document.getElementById('f-sev'); s.value = 'warning';"
               "s.dispatchEvent(new Event('change'))")
    shown = browser.js(f"{visible}.map(r => r.id)")
    want = browser.js("Array.from(document.querySelectorAll('table.review tbody tr')).filter(r => "
                      "r.dataset.sev.split(' ').some(s => s === 'error' || s === 'warning')).map(r => r.id)")
    assert shown == want and 0 < len(shown) < total
    assert browser.js("location.hash") == "#sev=warning"
    browser.js("document.getElementById('f-reset').click()")
    assert browser.js(f"{visible}.length") == total
    # keyboard: j goes to the first row with a finding, j again to the next, k back
    rows = browser.js("Array.from(document.querySelectorAll('tr.has-f')).map(r => r.id)")
    browser.key("j")
    assert browser.js("document.querySelector('tr.current').id") == rows[0]
    if len(rows) > 1:
        browser.key("j")
        assert browser.js("document.querySelector('tr.current').id") == rows[1]
        browser.key("k")
        assert browser.js("document.querySelector('tr.current').id") == rows[0]
    # Arabic really is laid out right to left, with the font having Arabic glyphs
    if lang == "ar":
        cell = "document.querySelector('td[lang=ar]')"
        assert browser.js(f"getComputedStyle({cell}).direction") == "rtl"
        assert "Noto Naskh Arabic" in browser.js(f"getComputedStyle({cell}).fontFamily")
    _check_clean(browser, url)
    browser.js("window.scrollTo(0, 0)")
    browser.screenshot(ARTIFACTS / f"lang-{lang}.png")


def test_sample_corpus_pages(browser, tmp_path, monkeypatch):
    """The shipped sample (Arabic SFIA 8, Polish SFIA 9) through the whole pipeline."""
    from pipeline import config
    from pipeline.run import run

    monkeypatch.chdir(ROOT)
    out = tmp_path / "reports"
    run(config.load(ROOT / "qa.toml"), out=str(out), fail_on="never")
    for name in ("index", "lang-ar", "lang-pl"):
        url = (out / f"{name}.html").as_uri()
        browser.open(url)
        _check_clean(browser, url)
        if name != "index":
            assert browser.js("document.querySelectorAll('table.review tbody tr').length") > 10
        browser.screenshot(ARTIFACTS / f"sample-{name}.png")
