"""The HTML report in a real browser: headless Chromium (Debian's `chromium`), driven over
the DevTools protocol. No console errors, no network request, filters and keyboard
navigation work on files opened from disk; the reviewer's whole round trip (filter, search,
next finding, a false positive and a correction, export, ``sfia-qa review apply``, re-run)
for Polish and Arabic; page size and time to interactive on a full-framework synthetic run.
Screenshots at 1440 and 800 px go to tests/_artifacts/."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
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

    def wait_js(self, expr: str, timeout: float = 10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.js(expr):
                return
            time.sleep(0.05)
        raise TimeoutError(expr)

    def width(self, w: int, h: int = 1000):
        self.send("Emulation.setDeviceMetricsOverride", width=w, height=h, deviceScaleFactor=1, mobile=False)

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
    # nothing fetched beyond the page itself and the reports' own style sheet and script
    own = _own_assets(url)
    assert [u for u in requests if u != url and u not in own] == []
    assert set(own) <= set(requests)  # ... which the page did load
    assert page.js("getComputedStyle(document.querySelector('.nojs-note')).display") == "none"
    assert page.js("window.__pwned === undefined && !document.querySelector('img')")


def _own_assets(url: str) -> list[str]:
    """The file: URLs of assets/report.css and assets/report.js of the reports folder a page is in."""
    path = Path(urllib.parse.unquote(urllib.parse.urlparse(url).path))
    root = next(p for p in (path.parent, path.parent.parent) if (p / "assets" / "report.js").is_file())
    return [(root / "assets" / name).as_uri() for name in ("report.css", "report.js")]


@pytest.mark.parametrize("missing", ["assets/report.js", "assets"])
def test_a_page_without_its_script_says_so(browser, reports, tmp_path, missing):
    """A page moved away from its assets (or opened where scripts do not run) still shows its
    segments and findings, and a note says why the search and decisions are not there."""
    copy = tmp_path / "reports"
    shutil.copytree(reports, copy)
    target = copy / missing
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    browser.open((copy / "lang-ar" / "CSMG.html").as_uri())
    browser.wait_js("getComputedStyle(document.querySelector('.nojs-note')).visibility === 'visible'"
                    " && document.querySelector('.nojs-note').offsetHeight > 0", timeout=5)
    assert browser.js("document.body.classList.contains('nojs')")
    assert "need JavaScript" in browser.js("document.querySelector('.nojs-note').textContent")
    assert browser.js("document.querySelectorAll('li.f').length") > 0  # the findings are all there


def test_dashboard_renders_offline_without_errors(browser, reports):
    url = (reports / "index.html").as_uri()
    browser.open(url)
    _check_clean(browser, url)
    assert browser.js("document.querySelectorAll('section svg').length") == 2  # one chart per language
    assert browser.js("document.querySelector('a[href=\"lang-ar.html\"]') !== null")
    browser.screenshot(ARTIFACTS / "index.png")


def test_edit_box_starts_from_each_translation_exactly(browser, reports):
    """A translation cell carries its text once (data-text only where the cell shows a diff or a
    label): what the reviewer edits, and what the exported decision calls the original, must still
    be the translation exactly, markup, quotes and right-to-left text included."""
    import pandas as pd

    from pipeline.keys import format_key

    al = pd.read_csv(reports / "alignment.csv", dtype=str, keep_default_na=False)
    expected = {}
    for r in al.itertuples():
        for fw in (8, 9):
            expected[(r.lang, str(fw), format_key(r.skill, r.element, r.level or None, r.item or None, fw))] = \
                getattr(r, f"tgt_{fw}")
    seen = 0
    for page in sorted(reports.glob("lang-*/*.html")):
        if page.name.startswith("search"):
            continue
        lang = page.parent.name.removeprefix("lang-")
        browser.open(page.as_uri())
        cells = browser.js("""Array.from(document.querySelectorAll('td.tgt')).filter(td => td.querySelector('button.edit'))
          .map(td => { td.querySelector('button.edit').click(); const ta = td.querySelector('textarea');
                       return [td.dataset.fw, td.dataset.key, ta.value, td.hasAttribute('data-text')]; })""")
        for fw, key, text, carried in cells:
            assert text == expected[(lang, fw, key)], (page.name, key, carried)
            seen += 1
    assert seen >= 6


@pytest.mark.parametrize("lang", ["ar", "pl"])
def test_language_page_filters_and_keyboard(browser, reports, lang):
    url = (reports / f"lang-{lang}" / "CSMG.html").as_uri()
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
        # MT candidates in Arabic are laid out right to left, aligned to the right
        browser.js("document.querySelectorAll('details.cands-box').forEach(d => d.open = true)")
        cand = "document.querySelector('.cand-text[lang=ar]')"
        assert browser.js(f"getComputedStyle({cand}).direction") == "rtl"
        assert browser.js(f"(() => {{ const c = {cand}, r = document.createRange(); r.selectNodeContents(c);"
                          " const t = r.getBoundingClientRect(), b = c.getBoundingClientRect();"
                          " return b.right - t.right < 3 && t.left - b.left >= 0; })()")
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
    for name in ("index", "lang-ar", "lang-pl", "lang-ar/CSMG", "lang-pl/CSMG"):
        url = (out / f"{name}.html").as_uri()
        browser.open(url)
        _check_clean(browser, url)
        if "/" in name:
            assert browser.js("document.querySelectorAll('table.review tbody tr').length") > 10
        browser.screenshot(ARTIFACTS / f"sample-{name.replace('/', '-')}.png")


# -- the reviewer's round trip ------------------------------------------------------------------

# Planted in a copy of the sample's Arabic SFIA 8 page: a Latin comma (QA601, which the reviewer
# calls a false positive) and a doubled word (QA407, which the reviewer corrects in place).
AR_PAGE = "translations/ar/sfia-8/CSMG.txt"
AR_COMMA = ("الخدمة ويتعامل معها، مع", "الخدمة ويتعامل معها, مع")
AR_DOUBLE = ("لطلبات الخدمة من خلال", "لطلبات الخدمة الخدمة من خلال")
# lang -> (code marked false positive, code corrected, the corrected text's wanted substring)
WORKFLOW = {"pl": ("QA501", "QA201", "odpowiadanie na zapytania i problemy"),
            "ar": ("QA601", "QA407", "لطلبات الخدمة من خلال")}


def _project(tmp: Path) -> Path:
    """A copy of the sample project to review (and change), with the Arabic defects planted."""
    for name in ("qa.toml", "qa-suppressions.toml"):
        shutil.copy(ROOT / name, tmp / name)
    for d in ("sources", "translations", "glossary"):
        if (ROOT / d).is_dir():
            shutil.copytree(ROOT / d, tmp / d)
    page = tmp / AR_PAGE
    text = page.read_text(encoding="utf-8")
    for old, new in (AR_COMMA, AR_DOUBLE):
        assert old in text
        text = text.replace(old, new, 1)
    page.write_text(text, encoding="utf-8")
    return tmp / "qa.toml"


def _run(cfg: Path, out: Path):
    from pipeline import config
    from pipeline.run import run

    run(config.load(cfg), out=str(out), fail_on="never")


def _click(page: Page, selector: str):
    assert page.js(f"!!document.querySelector({json.dumps(selector)})"), selector
    page.js(f"document.querySelector({json.dumps(selector)}).click()")


def _header_visible(page: Page) -> bool:
    """After scrolling, the column header sits below the sticky toolbar, not under it."""
    return page.js("""(() => {
      window.scrollTo(0, 600);
      const th = document.querySelector('table.review thead th:nth-child(2)');
      const r = th.getBoundingClientRect(), bar = document.querySelector('.toolbar').getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + 5, r.top + r.height / 2);
      return r.top >= bar.bottom - 1 && th.contains(hit);
    })()""")


@pytest.mark.parametrize("lang", ["pl", "ar"])
def test_review_round_trip(browser, tmp_path, lang):
    fp_code, fix_code, corrected_part = WORKFLOW[lang]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cfg = _project(tmp_path)
    out = tmp_path / "reports"
    _run(cfg, out)
    # the overview: skills ranked, a way in to the first finding
    url = (out / f"lang-{lang}.html").as_uri()
    browser.width(1440)
    browser.open(url)
    _check_clean(browser, url)
    assert browser.js("document.querySelectorAll('table.skills tbody tr').length") == 1
    # search every segment of the language: a word of a translation finds its segment
    browser.open((out / f"lang-{lang}" / "search.html").as_uri())
    needle = {"pl": "zapytania", "ar": "العملاء"}[lang]
    browser.js(f"const q = document.getElementById('s-q'); q.value = {json.dumps(needle)}; q.dispatchEvent(new Event('input'))")
    browser.wait_js("document.querySelectorAll('#s-results li').length > 0")
    assert browser.js(f"Array.from(document.querySelectorAll('#s-results li')).every(li => li.textContent.includes({json.dumps(needle)}))")
    browser.js("document.querySelector('#s-results a').click()")
    browser.wait_js("location.pathname.endsWith('/CSMG.html') && location.hash.startsWith('#s-CSMG-')")
    browser.open(url)
    _click(browser, "#start")
    browser.wait_js("location.pathname.endsWith('/CSMG.html') && !!document.querySelector('tr.current')")
    skill_url = browser.js("location.href").split("#")[0]
    first = browser.js("document.querySelector('tr.current').id")
    assert first == browser.js("document.querySelector('tr.has-f').id")  # the first finding is current
    # filter: severity at or above warning; search: a word of a translation
    total = browser.js("document.querySelectorAll('table.review tbody tr').length")
    browser.js("const s = document.getElementById('f-sev'); s.value = 'warning'; s.dispatchEvent(new Event('change'))")
    shown = browser.js("document.querySelectorAll('table.review tbody tr:not(.hidden)').length")
    assert 0 < shown < total and "sev=warning" in browser.js("location.hash")
    li = f"li.f[data-code={fix_code}]"
    word = browser.js(f"document.querySelector('{li}').closest('tr').querySelector('td.tgt[data-fw=\"'"
                      f" + document.querySelector('{li}').dataset.fw + '\"]').querySelector('.t').textContent.split(' ')[1]")
    browser.js(f"const q = document.getElementById('f-q'); q.value = {json.dumps(word)}; q.dispatchEvent(new Event('input'))")
    visible = browser.js("Array.from(document.querySelectorAll('table.review tbody tr:not(.hidden)')).map(r => r.id)")
    assert visible and browser.js(f"document.querySelector('{li}').closest('tr').id") in visible
    assert "q=" in browser.js("location.hash")
    browser.js("document.getElementById('f-reset').click()")
    assert browser.js("document.querySelectorAll('table.review tbody tr:not(.hidden)').length") == total
    # next finding: n moves on from the current row
    browser.key("n")
    rows = browser.js("Array.from(document.querySelectorAll('tr.has-f')).map(r => r.id)")
    assert browser.js("document.querySelector('tr.current').id") == (rows[1] if len(rows) > 1 else rows[0])
    # evidence in place: the finding's span is marked in the translation and focusable
    fid = browser.js(f"document.querySelector('{li}').dataset.f")
    assert browser.js(f"!!document.querySelector('mark.ev[data-f~=\"{fid}\"][tabindex=\"0\"]')")
    browser.js(f"document.querySelector('mark.ev[data-f~=\"{fid}\"]').focus()")
    assert browser.js(f"document.getElementById('f-{fid}').classList.contains('linked')")
    # a false positive needs a reason
    fp = f"li.f[data-code={fp_code}]"
    _click(browser, f"{fp} button[data-d=false-positive]")
    _click(browser, f"{fp} .reason-box button")  # empty reason: refused
    assert browser.js(f"document.querySelector('{fp} .reason-box input').getAttribute('aria-invalid')") == "true"
    browser.js(f"document.querySelector('{fp} .reason-box input').value = 'House style keeps this wording.'")
    _click(browser, f"{fp} .reason-box button")
    assert "false positive" in browser.js(f"document.querySelector('{fp} .dstate').textContent")
    # a correction, edited in place, and the finding marked to fix
    _click(browser, f"{li} button[data-d=fix]")
    td = f"document.querySelector('{li}').closest('tr').querySelector('td.tgt[data-fw=\"' + document.querySelector('{li}').dataset.fw + '\"]')"
    browser.js(f"{td}.querySelector('button.edit').click()")
    original = browser.js(f"{td}.querySelector('textarea').value")
    assert original == _segment_text(out, lang, browser.js(f"{td}.dataset.key"))  # the text as read, exactly
    fixed = _fix(lang, original)
    assert corrected_part in fixed and fixed != original
    browser.js(f"{td}.querySelector('textarea').value = {json.dumps(fixed)}")
    browser.js(f"{td}.querySelector('button.save-edit').click()")
    assert browser.js(f"{td}.querySelector('.correction').textContent") == fixed
    # decisions survive a reload (localStorage, keyed by report)
    browser.open(skill_url)
    assert "false positive" in browser.js(f"document.querySelector('{fp} .dstate').textContent")
    assert browser.js(f"{td}.querySelector('.correction').textContent") == fixed
    # layout: the header stays visible under the toolbar; screenshots at 1440 and 800 px
    for w in (1440, 800):
        browser.width(w)
        browser.open(skill_url)
        assert _header_visible(browser), w
        if w == 800:
            assert browser.js("document.documentElement.scrollWidth") <= 800 + 1  # no sideways scrolling
        browser.screenshot(ARTIFACTS / f"review-{lang}-{w}.png")
        browser.js("window.scrollTo(0, 0)")
        browser.screenshot(ARTIFACTS / f"review-{lang}-{w}-top.png")
    browser.width(1440)
    browser.open(skill_url)
    _check_clean(browser, skill_url)
    # export: the download is review-decisions.json
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
    _click(browser, "#r-export")
    end = time.monotonic() + 10
    while not (downloads / "review-decisions.json").is_file() and time.monotonic() < end:
        time.sleep(0.1)
    exported = json.loads((downloads / "review-decisions.json").read_text(encoding="utf-8"))
    assert exported["format"] == "sfia-qa-review-decisions" and exported["version"] == 1
    kinds = sorted((d["decision"], d["code"] or "edit") for d in exported["decisions"])
    assert kinds == sorted([("false-positive", fp_code), ("fix", fix_code), ("fix", "edit")])
    # sfia-qa review apply: the suppression and the corrected file
    sup_before = (tmp_path / "qa-suppressions.toml").read_text(encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pipeline", "review", "apply", str(downloads / "review-decisions.json"),
                        "--config", str(cfg)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "suppressed" in r.stdout and "corrected" in r.stdout
    sup = (tmp_path / "qa-suppressions.toml").read_text(encoding="utf-8")
    assert sup.startswith(sup_before) and f'check = "{fp_code}"' in sup and "House style keeps" in sup
    # a re-run shows both decisions resolved
    _run(cfg, out)
    browser.open(url)
    _check_clean(browser, url)
    states = browser.js("Array.from(document.querySelectorAll('table.resolved-list tbody tr')).map(r => r.className)")
    assert len(states) == 3 and all("state-resolved" in s for s in states), states
    browser.open(skill_url)
    assert browser.js(f"document.querySelectorAll('{fp}, {li}').length") == 0  # both findings gone
    assert browser.js("document.querySelectorAll('p.resolved.state-resolved').length") >= 2
    browser.js("document.querySelector('p.resolved').scrollIntoView({block: 'center'})")
    browser.screenshot(ARTIFACTS / f"review-{lang}-resolved.png")


def _segment_text(out: Path, lang: str, key: str) -> str:
    import pandas as pd

    from pipeline.keys import format_key

    seg = pd.read_csv(out / "segments.csv", dtype=str, keep_default_na=False)
    keys = [format_key(r.skill, r.element, r.level or None, r.item or None, int(r.framework))
            for r in seg.itertuples()]
    (text,) = seg.text[[k == key and x == lang for k, x in zip(keys, seg.lang, strict=True)]]
    return text


def _fix(lang: str, text: str) -> str:
    if lang == "pl":
        return text[0].lower() + text[1:]
    return text.replace(AR_DOUBLE[1], AR_DOUBLE[0])


# -- the full framework: size and time to interactive -------------------------------------------

@pytest.fixture(scope="module")
def full_run(shared, tmp_path_factory):
    import importlib.util

    spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)
    corpus = tmp_path_factory.mktemp("full")
    cfg = synth.generate(corpus, 2, providers=7, seed=3, shared=shared, bootstrap=10)
    out = corpus / "reports"
    _run(cfg, out)
    return out


def test_full_framework_pages_are_small_and_quick(browser, full_run):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = sorted(full_run.rglob("*.html"))
    sizes = {p.relative_to(full_run).as_posix(): p.stat().st_size for p in pages}
    assert len([p for p in sizes if "/" in p]) >= 2 * 140  # a page per skill of each language
    assert max(sizes.values()) < 1.5 * 1024 * 1024, max(sizes.items(), key=lambda kv: kv[1])
    browser.width(1440)
    timings = {}
    langs = sorted({p.split("/")[0] for p in sizes if "/" in p})
    targets = ["index.html"] + [f"{x}.html" for x in langs]
    skill_pages = [max((p for p in sizes if p.startswith(x + "/") and "/search" not in p), key=sizes.get)
                   for x in langs]
    targets += skill_pages + [max((p for p in sizes if p.startswith(x + "/search")), key=sizes.get) for x in langs]
    for name in targets:
        url = (full_run / name).as_uri()
        browser.open(url)
        _check_clean(browser, url)
        timings[name] = browser.js("(() => { const n = performance.getEntriesByType('navigation')[0];"
                                   " return Math.max(n.domInteractive, n.domContentLoadedEventEnd, n.loadEventEnd); })()")
    (ARTIFACTS / "full-framework-timings.json").write_text(
        json.dumps({"max_page_bytes": max(sizes.values()), "pages": len(sizes),
                    "max_skill_page_bytes": max(v for k, v in sizes.items() if "/" in k and "/search" not in k),
                    "ms": timings}, indent=1) + "\n")
    assert max(timings.values()) < 1000, timings
    # the next-finding path runs across skill pages
    start = skill_pages[0]
    browser.open((full_run / start).as_uri())
    n = browser.js("document.querySelectorAll('tr.has-f').length")
    nxt = browser.js("document.getElementById('toolbar').dataset.next || ''")
    if nxt:
        for _ in range(n + 1):
            browser.key("n")
        browser.wait_js(f"location.pathname.endsWith({json.dumps(nxt.split('/')[-1])}) && !!document.querySelector('tr.current')")
    browser.open((full_run / targets[1]).as_uri())
    browser.screenshot(ARTIFACTS / "full-overview.png")
