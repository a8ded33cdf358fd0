"""Sphinx extension that makes the website work on its own: offline, with no kernel.

``_config.yml`` loads it for the book build (``make book`` and the tests' build alike). It

- sets ``CVCOURSE_WEBSITE=1`` before the chapters execute, so that the kernels myst-nb
  starts (they inherit the environment) draw ``cvcourse.widgets.explore``'s figures in
  advance and show progress bars as text: the website has no kernel and no widget manager;
- serves MathJax from the site's own ``_static/mathjax`` (``mathjax_path`` in
  ``_config.yml`` points there) instead of a CDN. MathJax is the npm package named in
  ``NPM_PACKAGES``: the first build fetches it with ``npm pack`` from the npm registry into
  ``.cache/website`` (ignored by git) and later builds reuse it. Its licence travels with it.

Nothing else on the site comes from another host: the theme's fonts and scripts are in
``_static`` already, and no page needs RequireJS or the Jupyter widget manager. Three small
repairs keep the browser's console free of errors (tests/test_browser.py checks it): each
script is included once; the theme gets a valid colour mode; and the root page, which only
redirects to the introduction, declares the site's icon, so that the browser does not ask for a
``/favicon.ico`` that does not exist.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from sphinx.errors import ExtensionError

WEBSITE_VARIABLE = "CVCOURSE_WEBSITE"  # the same name as cvcourse.widgets.WEBSITE_VARIABLE
CACHE = Path(".cache") / "website"
# npm package -> (version, the files of it the site serves: tex-mml-chtml.js is MathJax's
# single-file build; it loads its fonts, TeX extensions and accessibility parts on demand).
NPM_PACKAGES = {
    "mathjax": ("3.2.2", ["LICENSE", "es5/tex-mml-chtml.js", "es5/input/tex", "es5/output/chtml",
                          "es5/a11y", "es5/ui", "es5/sre"]),
}


def npm_package(name: str, version: str, cache: Path) -> Path:
    """The unpacked npm package ``name@version`` under ``cache``, fetched with ``npm pack`` once."""
    target = cache / f"{name}-{version}"
    if target.is_dir():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise ExtensionError(f"the website serves {name} {version} itself and fetches it from the npm "
                             f"registry on the first build: install Node.js with npm (e.g. apt-get "
                             f"install npm), or unpack {name}-{version}.tgz into {target}.")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        result = subprocess.run([npm, "pack", f"{name}@{version}", "--json", "--pack-destination", tmp],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise ExtensionError(f"npm pack {name}@{version} failed (is the npm registry reachable?):\n"
                                 f"{result.stderr[-2000:]}")
        tarball = Path(tmp) / json.loads(result.stdout)[0]["filename"]
        with tarfile.open(tarball) as archive:
            options = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            archive.extractall(tmp, **options)
        try:
            os.replace(Path(tmp) / "package", target)
        except OSError:  # another build unpacked it first
            if not target.is_dir():
                raise
    return target


def static_folder(cache: Path) -> Path:
    """A folder with each package's served files under ``<package>/`` (``es5/`` dropped)."""
    static = cache / "static"
    for name, (version, files) in NPM_PACKAGES.items():
        package = npm_package(name, version, cache)
        served = static / name
        stamp = served / ".version"
        if stamp.exists() and stamp.read_text() == version:
            continue
        shutil.rmtree(served, ignore_errors=True)
        for file in files:
            source, destination = package / file, served / file.removeprefix("es5/")
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, destination)
            else:
                shutil.copy2(source, destination)
        stamp.write_text(version)
    return static


def add_static_files(app, config) -> None:
    """Serve the npm packages from the site's ``_static``."""
    config.html_static_path = [*config.html_static_path, str(static_folder(Path(app.srcdir) / CACHE))]


def set_theme_mode(app, config) -> None:
    """Give the theme a valid colour mode: without one, every page logs a console error."""
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}


def drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    """Include each script once: sphinx-thebe and sphinx-togglebutton add their inline scripts
    twice in a Jupyter Book build, and a repeated ``const`` is a SyntaxError in the browser."""
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # (the repeats differ only in a filename of None or "", both meaning an inline script)
        key = (str(getattr(script, "filename", script) or ""),
               tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"][:] = unique  # in place: later handlers (MathJax's) add to this list


def declare_icon_on_redirect(app, exception) -> None:
    """Add the site's icon to the root ``index.html`` that sphinx-external-toc writes at the end
    of the build, a bare redirect to the first page: without an icon of its own, the browser
    asks for ``/favicon.ico`` (a 404) while the redirect runs."""
    page = Path(app.outdir) / "index.html"
    if exception is not None or not app.config.html_favicon or not page.exists():
        return
    html = page.read_text(encoding="utf8")
    if 'http-equiv="Refresh"' in html and 'rel="icon"' not in html:
        icon = f"_static/{Path(app.config.html_favicon).name}"
        page.write_text(f'{html.rstrip()}\n<link rel="icon" href="{icon}" />\n', encoding="utf8")


def setup(app):
    """Sphinx extension entry point."""
    os.environ[WEBSITE_VARIABLE] = "1"
    app.connect("config-inited", add_static_files)
    app.connect("config-inited", set_theme_mode)
    # Early: html-page-context stops at the first handler that returns a template name.
    app.connect("html-page-context", drop_repeated_scripts, priority=100)
    # Late: after sphinx-external-toc's build-finished handler has written the redirect.
    app.connect("build-finished", declare_icon_on_redirect, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
