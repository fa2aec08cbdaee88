"""Words and screens of a built report's reading path, as a reader meets them in headless Chromium at 1280 px.

The reading path is what comes before the back matter: title page, summary, contents and the chapters (code folded,
collapsed blocks closed). A screen is the window's height (page height at 1280 px wide, divided by 1280).

    python benchmarks/reading_path.py build/default/report.html
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_browser import Browser, chromium  # noqa: E402  (the tests' DevTools client, no extra packages)

WIDTH, SCREEN = 1280, 1280  # a screen: page height divided by the window width, as the issue measures it
MEASURE = """(() => {
  const words = el => (el.innerText.match(/\\S+/g) || []).length;
  const top = el => el.getBoundingClientRect().top + window.scrollY;
  const back = document.querySelector('.back-matter');
  const end = back ? top(back) : document.body.scrollHeight;
  const chapters = [...document.querySelectorAll('article.chapter')].map(a => ({
    id: a.getAttribute('aria-labelledby'), height: Math.round(a.getBoundingClientRect().height), words: words(a)}));
  const path = [...document.body.children].filter(el => !el.classList.contains('toolbar') && top(el) < end
      && el.tagName !== 'SCRIPT' && el.tagName !== 'MAIN');
  const main = document.querySelector('main');
  const inMain = main ? [...main.children].filter(el => !el.classList.contains('back-matter')) : [];
  const pathWords = [...path, ...inMain].reduce((n, el) => n + words(el), 0);
  const wide = [...document.querySelectorAll('article.chapter table')].filter(t => {
      const box = t.parentElement.getBoundingClientRect(); return t.scrollWidth > box.width + 1; }).length;
  return {page: document.body.scrollHeight, reading_path: Math.round(end), words: pathWords, chapters,
          summary_words: document.querySelector('#summary') ? words(document.querySelector('#summary')) : 0,
          tables_in_chapters: document.querySelectorAll('article.chapter table').length, wider_than_column: wide};
})()"""


def measure(report: Path) -> dict:
    with tempfile.TemporaryDirectory() as profile:
        browser = Browser(chromium(), Path(profile))
        try:
            browser.open(report.resolve().as_uri())
            browser.send(
                "Emulation.setDeviceMetricsOverride", width=WIDTH, height=SCREEN, deviceScaleFactor=1, mobile=False
            )
            return browser.evaluate(MEASURE)
        finally:
            browser.close()


if __name__ == "__main__":
    found = measure(Path(sys.argv[1] if len(sys.argv) > 1 else "build/default/report.html"))
    found["screens"] = round(found["reading_path"] / SCREEN, 1)
    for chapter in found["chapters"]:
        chapter["screens"] = round(chapter["height"] / SCREEN, 1)
    print(json.dumps(found, indent=1))
