"""The rendered report in a real browser: headless Chromium driven over the DevTools protocol (no extra packages).

It checks what a reader would hit: console errors, images that fail to show, contents links that lead nowhere, a
request to the network (the report must read offline), the code switch, and the print layout; WCAG 2.1 A/AA as
axe-core checks it (its script comes from the pinned `axe-playwright-python` wheel, read as a file: Playwright itself
is not used); tables wider than the text column at 1280 px, and the keyboard. Skips only when Chromium is not
installed.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from test_report import report_site  # noqa: F401  (the built report, shared with test_report.py)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_S = 180  # axe-core on the whole report takes a minute on a busy machine
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
READER_WIDTH_PX = 1280
# Reading-path tables wider than the text column at 1280 px: none (a table's detail columns wait in the data
# appendix, display.table); an appendix table that must be wide scrolls in its own keyboard-reachable box.
WIDE_TABLES_AT_MOST = 0


def chromium() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


class Browser:
    """Chromium with --remote-debugging-pipe: DevTools messages are NUL-terminated JSON on file descriptors 3 and 4."""

    def __init__(self, executable: str, profile: Path):
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def wire_pipes():  # in the child, before exec: the protocol wants exactly fds 3 (commands) and 4 (replies)
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-sync",
                "--hide-scrollbars",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes,
            pass_fds=(3, 4),
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session = None

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise ConnectionError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        deadline = time.monotonic() + TIMEOUT_S
        for position, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(position)
        while True:
            event = self._read_message(deadline)
            if event.get("method") == method:
                return event
            self.events.append(event)

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def close(self) -> None:
        try:
            self.send("Browser.close")
            self.process.wait(timeout=10)
        except (OSError, RuntimeError, TimeoutError, ConnectionError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)


def problems(events: list[dict]) -> list[str]:
    """Console errors, uncaught exceptions and failed loads the page produced."""
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(f"console.{params['type']}: {[arg.get('value') for arg in params.get('args', [])]}")
        elif method == "Runtime.exceptionThrown":
            found.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        elif method == "Network.loadingFailed":
            found.append(f"failed load: {params.get('errorText')}")
    return found


def network_requests(events: list[dict]) -> list[str]:
    """Requests that would leave the machine: anything but the file itself and inline data."""
    urls = [event["params"]["request"]["url"] for event in events if event.get("method") == "Network.requestWillBeSent"]
    return [url for url in urls if not url.startswith(("file:", "data:", "about:"))]


CHECKS = """(() => {
  const images = [...document.images];
  const broken = images.filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.alt.slice(0, 80));
  const target = a => document.getElementById(decodeURIComponent(a.hash.slice(1)));
  const toc = [...document.querySelectorAll("nav.contents a")];
  const internal = [...document.querySelectorAll('a[href^="#"]')];
  return {
    images: images.length, broken,
    tocLinks: toc.length, tocMissing: toc.filter(a => !a.hash || !target(a)).map(a => a.getAttribute("href")),
    internalMissing: internal.filter(a => !target(a)).map(a => a.getAttribute("href")),
    codeCells: document.querySelectorAll("details.cell-code").length,
    codeOpen: document.querySelectorAll("details.cell-code[open]").length,
  };
})()"""


def axe_script() -> str:
    """axe-core's browser script, as the `axe-playwright-python` wheel ships it (found without importing it)."""
    spec = importlib.util.find_spec("axe_playwright_python")
    assert spec is not None and spec.origin, "pip install -r requirements.txt (axe-playwright-python)"
    return (Path(spec.origin).parent / "axe.min.js").read_text(encoding="utf-8")


AXE_RUN = """axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                     where: v.nodes.slice(0, 3).map(n => n.target.join(" "))})))"""


def serious_violations(browser: Browser) -> list[dict]:
    """WCAG 2.1 A and AA violations of impact serious or critical on the open page."""
    browser.evaluate(axe_script())
    violations = browser.evaluate(AXE_RUN % json.dumps(WCAG_TAGS))
    print(f"\naxe-core: {[(v['id'], v['impact'], v['nodes']) for v in violations] or 'no violations'}")
    return [v for v in violations if v["impact"] in ("serious", "critical")]


WIDE_TABLES = """(() => {
  const main = document.querySelector("main");
  const style = getComputedStyle(main);
  const column = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const tables = [...document.querySelectorAll("#summary table, article.chapter table")];
  const wide = tables.filter(t => t.getBoundingClientRect().width > column + 1);
  const box = t => t.closest(".scrolls");
  return {column, tables: tables.length, wide: wide.length,
    unreachable: wide.filter(t => !box(t) || box(t).tabIndex !== 0 || box(t).getAttribute("role") !== "region"
                                  || !box(t).getAttribute("aria-label")).length,
    boxWider: wide.filter(t => box(t) && box(t).getBoundingClientRect().width > column + 1).length,
    notSticky: wide.filter(t => getComputedStyle(t.rows[t.rows.length - 1].cells[0]).position !== "sticky").length};
})()"""


@pytest.fixture(scope="session")  # session, like report_site, so a missing Chromium skips before the 1-minute build
def browser(tmp_path_factory):
    executable = chromium()
    if executable is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")
    opened = Browser(executable, tmp_path_factory.mktemp("chromium-profile"))
    yield opened
    opened.close()


def test_report_reads_cleanly_in_a_real_browser(browser, report_site, tmp_path):
    started = time.perf_counter()
    browser.open(report_site.report.as_uri())
    state = browser.evaluate(CHECKS)

    assert problems(browser.events) == []
    assert network_requests(browser.events) == []
    assert state["images"] >= 2 * report_site.figure_count  # every figure in its chapter and in the gallery
    assert state["broken"] == []
    assert state["tocLinks"] > len(report_site.chapters) and state["tocMissing"] == []
    assert state["internalMissing"] == []

    assert state["codeCells"] > 0 and state["codeOpen"] == 0  # code hidden until asked for
    assert browser.evaluate("document.getElementById('toggle-code').hidden") is False
    browser.evaluate("document.getElementById('toggle-code').click()")
    assert browser.evaluate("document.querySelectorAll('details.cell-code[open]').length") == state["codeCells"]
    assert browser.evaluate("document.getElementById('toggle-code').textContent") == "Hide code"
    browser.evaluate("document.getElementById('toggle-code').click()")

    screenshot = tmp_path / "report.png"
    screenshot.write_bytes(base64.b64decode(browser.send("Page.captureScreenshot", format="png")["data"]))
    assert screenshot.stat().st_size > 10_000

    browser.send("Emulation.setEmulatedMedia", media="print")
    printed = browser.evaluate("""(() => ({
      toolbar: getComputedStyle(document.querySelector('.toolbar')).display,
      chapterBreak: getComputedStyle(document.querySelector('article.chapter')).breakBefore,
      figureBreak: getComputedStyle(document.querySelector('figure.report-figure')).breakInside,
    }))()""")
    assert printed == {"toolbar": "none", "chapterBreak": "page", "figureBreak": "avoid"}
    pdf = base64.b64decode(browser.send("Page.printToPDF", printBackground=True, preferCSSPageSize=True)["data"])
    (tmp_path / "report.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pdf.startswith(b"%PDF") and pages > 2 * len(report_site.chapters)  # title, contents, chapters, back matter
    browser.send("Emulation.setEmulatedMedia", media="")
    print(f"\nbrowser check: {time.perf_counter() - started:.1f} s; {pages} printed pages; screenshot {screenshot}")


def test_report_meets_wcag_aa_and_its_tables_fit(browser, report_site):
    browser.events.clear()
    browser.open(report_site.report.as_uri())
    assert serious_violations(browser) == []

    # every figure has a text alternative and a visible caption; tables have header cells
    figures = browser.evaluate("""[...document.querySelectorAll("figure")].map(f => ({
      alt: [...f.querySelectorAll("img")].every(i => i.alt.trim().length > 20),
      caption: (f.querySelector("figcaption")?.textContent || "").trim().length > 20}))""")
    assert figures and all(f["alt"] and f["caption"] for f in figures)
    assert (
        browser.evaluate(
            "[...document.querySelectorAll('main table')].filter(t => t.rows.length > 1"
            " && !t.querySelector('th')).length"
        )
        == 0
    )

    # at 1280 px: a table wider than the text column scrolls in a box the keyboard reaches, first column in view
    browser.send(
        "Emulation.setDeviceMetricsOverride", width=READER_WIDTH_PX, height=900, deviceScaleFactor=1, mobile=False
    )
    browser.send("Page.reload")
    browser.wait_for("Page.loadEventFired")
    tables = browser.evaluate(WIDE_TABLES)
    print(f"tables at {READER_WIDTH_PX} px: {tables}")
    assert tables["tables"] > 10 and tables["unreachable"] == 0 and tables["boxWider"] == 0
    assert tables["notSticky"] == 0
    assert tables["wide"] <= WIDE_TABLES_AT_MOST


def press(browser: Browser, key: str, code: str, key_code: int, text: str = "") -> None:
    """A key pressed and released, as a keyboard sends it (the text makes Enter and Space activate)."""
    browser.send(
        "Input.dispatchKeyEvent", type="keyDown", key=key, code=code, windowsVirtualKeyCode=key_code, text=text
    )
    browser.send("Input.dispatchKeyEvent", type="keyUp", key=key, code=code, windowsVirtualKeyCode=key_code)


def test_contents_and_code_work_from_the_keyboard(browser, report_site):
    browser.open(report_site.report.as_uri())
    # Tab from the top of the page reaches the code switch first, then the contents
    press(browser, "Tab", "Tab", 9)
    assert browser.evaluate("document.activeElement.id") == "toggle-code"
    press(browser, "Enter", "Enter", 13, "\r")
    assert browser.evaluate("document.querySelectorAll('details.cell-code:not([open])').length") == 0
    press(browser, " ", "Space", 32, " ")
    assert browser.evaluate("document.querySelectorAll('details.cell-code[open]').length") == 0
    browser.evaluate("document.querySelector('nav.contents a[href^=\"#ch\"]').focus()")
    target = browser.evaluate("document.activeElement.hash")
    press(browser, "Enter", "Enter", 13, "\r")
    assert browser.evaluate("location.hash") == target


def test_comparison_page_reads_cleanly_in_a_real_browser(browser, report_site):
    browser.events.clear()
    browser.open(report_site.comparison.as_uri())
    state = browser.evaluate(CHECKS)
    assert problems(browser.events) == []
    assert network_requests(browser.events) == []
    assert state["images"] > 0 and state["broken"] == []
    assert state["internalMissing"] == []
    assert serious_violations(browser) == []
