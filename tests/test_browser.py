"""The rendered report in a real browser: headless Chromium driven over the DevTools protocol (no extra packages).

It checks what a reader would hit: console errors, images that fail to show, contents links that lead nowhere, a
request to the network (the report must read offline), the code switch, and the print layout. Skips only when
Chromium is not installed.
"""

from __future__ import annotations

import base64
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
TIMEOUT_S = 60


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
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-sync", "--hide-scrollbars", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes, pass_fds=(3, 4))
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


def test_comparison_page_reads_cleanly_in_a_real_browser(browser, report_site):
    browser.events.clear()
    browser.open(report_site.comparison.as_uri())
    state = browser.evaluate(CHECKS)
    assert problems(browser.events) == []
    assert network_requests(browser.events) == []
    assert state["images"] > 0 and state["broken"] == []
    assert state["internalMissing"] == []
