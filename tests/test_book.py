"""The website builds with warnings as errors and works on its own: nothing loaded from other hosts,
MathJax served from the site, explorers precomputed, pages of a reasonable size.

The ``site`` fixture (conftest.py) builds the book once; test_browser.py opens the same build.
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, SITE_TIMEOUT_S

pytestmark = [pytest.mark.slow, pytest.mark.timeout(SITE_TIMEOUT_S)]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MAX_IMAGE_BYTES_PER_PAGE = 5_000_000
# Attributes through which a page loads something (links a reader clicks, <a href>, are fine).
LOADING_ATTRIBUTES = {("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"),
                      ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data"),
                      ("link", "href"), ("img", "srcset"), ("source", "srcset")}
LINK_RELATIONS_THAT_ARE_LINKS = {"canonical", "alternate", "next", "prev", "search", "index", "author",
                                 "license", "help"}


class LoadedResources(HTMLParser):
    """Collects every URL that a page loads while it opens."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and set((attrs.get("rel") or "").split()) <= LINK_RELATIONS_THAT_ARE_LINKS:
            return
        for name, value in attrs.items():
            if (tag, name) in LOADING_ATTRIBUTES and value:
                self.urls += [part.split()[0] for part in value.split(",")] if name == "srcset" else [value]


def external(url: str) -> bool:
    return re.match(r"^(https?:)?//", url.strip(), re.I) is not None


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_book_builds_with_every_page(site):
    for page in ("index.html", "book/intro.html", "book/running.html", "book/instructors.html",
                 "chapters/01-pixels.html"):
        assert (site / page).exists(), f"{page} is missing from the website"


def test_chapter_pages_show_figures_and_no_tracebacks(site):
    for page in sorted((site / "chapters").glob("*.html")):
        html = page.read_text()
        assert "<img" in html, f"{page.name} has no figures"
        for sign in ("Traceback (most recent call last)", "output traceback", "GradingError:"):
            assert sign not in html, f"{page.name} shows '{sign}' to readers"


def test_no_page_loads_anything_from_another_host(site):
    loaded = {}
    for page in pages(site):
        parser = LoadedResources()
        parser.feed(page.read_text())
        outside = [url for url in parser.urls if external(url)]
        if outside:
            loaded[str(page.relative_to(site))] = sorted(set(outside))
    assert not loaded, f"pages load files from other hosts: {loaded}"
    for sheet in (site / "_static").rglob("*.css"):
        imports = re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])((?:https?:)?//[^'\")\s]+)", sheet.read_text())
        assert not imports, f"{sheet.relative_to(site)} loads {imports}"


def test_mathjax_is_served_from_the_site_with_its_licence(site):
    mathjax = site / "_static" / "mathjax"
    assert (mathjax / "tex-mml-chtml.js").stat().st_size > 500_000
    assert "Apache License" in (mathjax / "LICENSE").read_text()
    assert list((mathjax / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff")), "MathJax's fonts are missing"
    html = (site / "chapters" / "01-pixels.html").read_text()
    assert re.search(r'<script[^>]+src="\.\./_static/mathjax/tex-mml-chtml\.js', html)


def test_explorers_are_precomputed_and_no_page_needs_the_widget_manager(site):
    for page in sorted((site / "chapters").glob("*.html")):
        html = page.read_text()
        source = (ROOT / "solutions" / f"{page.stem}.md").read_text()
        assert html.count('class="cvx-explorer"') == source.count("widgets.explore("), \
            f"{page.name}: every widgets.explore call should show a precomputed explorer"
    for page in pages(site):
        html = page.read_text()
        assert WIDGET_VIEW not in html, (
            f"{page.relative_to(site)} shows an ipywidget, which the website cannot display (it loads "
            "no widget manager): use cvcourse.widgets.explore or widgets.progress_bar")
        assert "require.js" not in html and "embed-amd" not in html, f"{page.relative_to(site)} loads RequireJS"


def page_image_bytes(site: Path, page: Path) -> int:
    """Bytes of the images a page shows: embedded data URIs and image files it links."""
    html = page.read_text()
    embedded = sum(len(base64.b64decode(data)) for data in re.findall(r'src="data:image/[a-z+]+;base64,([^"]+)"', html))
    linked = sum((page.parent / src).stat().st_size for src in set(re.findall(r'<img[^>]+src="([^":]+)"', html))
                 if (page.parent / src).is_file())
    return embedded + linked


def test_chapter_pages_and_the_site_stay_small(site):
    sizes = {page.stem: page_image_bytes(site, page) for page in (site / "chapters").glob("*.html")}
    largest = max(sizes, key=sizes.get)
    assert sizes[largest] < MAX_IMAGE_BYTES_PER_PAGE, f"{largest} shows {sizes[largest] / 1e6:.1f} MB of images"
    total = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    # 25 chapters when the course is complete: the site must stay under 150 MB then.
    chapter_bytes = sum(page.stat().st_size for page in (site / "chapters").glob("*.html")) + \
        sum(f.stat().st_size for f in (site / "_images").rglob("*") if f.is_file())
    projected = total - chapter_bytes + chapter_bytes / len(sizes) * 25
    assert projected < 150e6, f"the site would reach {projected / 1e6:.0f} MB with 25 chapters"


def test_running_page_shows_the_screenshots(site):
    html = (site / "book" / "running.html").read_text()
    for name in ("website-chapter", "website-explorer"):
        assert re.search(rf'<img[^>]+src="[^"]*{name}[^"]*\.png"', html), f"running.html should show {name}"
