"""Does an HTML report read well in a browser? Every figure loaded, nothing wider than the page.

Renders the page in headless Chromium (Debian's ``chromium`` package, or any Chrome on the
PATH) at a laptop's width, with a small script that measures, after the page has loaded: each
image (loaded, and not empty), each table and each output (no content wider than its box, which
a reader would have to scroll sideways to see). The page itself is not changed: a copy with the
script is rendered.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_RESULT = re.compile(r'<pre id="rk-render-check">(.*?)</pre>', re.DOTALL)
_SCRIPT = """
<script>
window.addEventListener("load", () => {
  const page = document.documentElement.clientWidth;
  const images = Array.from(document.images).map((img, i) => ({
    index: i, loaded: img.complete && img.naturalWidth > 0, width: img.naturalWidth,
    right: img.getBoundingClientRect().right,
  }));
  const wide = (el) => el.scrollWidth > el.clientWidth + 1;
  const tables = Array.from(document.querySelectorAll("table")).map((table, i) => {
    const box = table.closest(".jp-OutputArea-output") || table.parentElement;
    const cells = Array.from(table.querySelectorAll("td, th")).filter(wide);
    return {
      index: i,
      text: (table.querySelector("th, td") || table).textContent.trim().slice(0, 40),
      overflows: wide(box) || table.getBoundingClientRect().right > page + 1,
      cells_overflowing: cells.map((c) => c.textContent.trim().slice(0, 40)),
    };
  });
  const outputs = Array.from(document.querySelectorAll(".jp-OutputArea-output"))
    .filter(wide)
    .map((el) => el.textContent.trim().slice(0, 60));
  const result = document.createElement("pre");
  result.id = "rk-render-check";
  result.textContent = JSON.stringify({ page, images, tables, outputs, title: document.title });
  document.body.appendChild(result);
});
</script>
"""


class RenderCheckError(RuntimeError):
    """The page could not be rendered (no browser, or the browser failed)."""


@dataclass
class RenderReport:
    """What the browser measured on one page."""

    page_width: int
    title: str
    images: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    wide_outputs: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Everything a reader would notice, in words; empty when the page reads well."""
        found = [f"image {i['index']} did not load" for i in self.images if not i.get("loaded")]
        found += [
            f"image {i['index']} is wider than the page"
            for i in self.images
            if i.get("right", 0) > self.page_width + 1
        ]
        for table in self.tables:
            if table.get("overflows"):
                found.append(f"table {table['index']} ({table['text']!r}) is wider than its box")
            found += [
                f"table {table['index']}: text overflows its cell: {text!r}"
                for text in table.get("cells_overflowing", [])
            ]
        found += [f"output wider than the page: {text!r}" for text in self.wide_outputs]
        return found


def find_browser() -> str | None:
    """The path of a headless-capable Chromium or Chrome on the PATH, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def check_html(
    page: Path | str, *, width: int = 1280, browser: str | None = None, timeout: float = 120
) -> RenderReport:
    """Render ``page`` at ``width`` pixels in headless Chromium and measure it."""
    source = Path(page)
    chrome = browser or find_browser()
    if chrome is None:
        raise RenderCheckError(
            "no Chromium or Chrome on the PATH; install one (Debian: apt-get install chromium)"
        )
    text = source.read_text(encoding="utf-8")
    marked = text.replace("</body>", _SCRIPT + "</body>") if "</body>" in text else text + _SCRIPT
    # The copy sits beside the page, so that relative links and images resolve as they would.
    with tempfile.NamedTemporaryFile(
        "w", suffix=".html", prefix=".render-check-", dir=source.parent, delete=False
    ) as handle:
        handle.write(marked)
        copy = Path(handle.name)
    with tempfile.TemporaryDirectory(prefix="rk-chromium-") as profile:
        try:
            done = subprocess.run(
                [
                    chrome,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    f"--user-data-dir={profile}",
                    f"--window-size={width},2000",
                    "--virtual-time-budget=15000",
                    "--dump-dom",
                    copy.resolve().as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        finally:
            copy.unlink(missing_ok=True)
    match = _RESULT.search(done.stdout)
    if match is None:
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise RenderCheckError(
            f"{chrome} rendered no result for {source} (exit {done.returncode}): "
            + " | ".join(tail)
        )
    data = json.loads(html.unescape(match.group(1)))
    return RenderReport(
        page_width=int(data["page"]),
        title=str(data.get("title", "")),
        images=list(data["images"]),
        tables=list(data["tables"]),
        wide_outputs=list(data["outputs"]),
    )
