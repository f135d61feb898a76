"""HTML from the package's Jinja2 templates, autoescaped: every name, label and text sample a
user wrote is shown as text. Each page carries its CSS and script inline and a Content Security
Policy that allows that one script (by hash) and nothing from the network."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from typing import Any

from genbench import __version__
from genbench.report.site.views import provenance_json, provenance_lines


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("genbench.report.site", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=False, keep_trailing_newline=True)
    env.globals.update(provenance_lines=provenance_lines, provenance_json=provenance_json, version=__version__)
    return env


def _static(name: str) -> str:
    return environment().loader.get_source(environment(), name)[0]


def render(template: str, *, images: bool, **context: Any) -> str:
    """A page; ``images`` allows the site's own image files (a compare page needs none)."""
    from markupsafe import Markup

    js = _static("site.js")  # the package's own files: inserted verbatim (the CSP hash is of these bytes)
    digest = base64.b64encode(hashlib.sha256(js.encode()).digest()).decode()
    return environment().get_template(template).render(
        css=Markup(_static("site.css")), js=Markup(js), script_hash=f"sha256-{digest}",
        img_src="'self'" if images else "'none'", **context)
