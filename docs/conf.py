"""Sphinx configuration of the fftconv documentation.

Build: ``python -m sphinx -b html docs docs/_build/html`` (CI: ``-W --keep-going``, see
tests/test_docs.py). The figures are committed PNGs made by ``docs/figures/*.py``; the
build never runs those scripts (``python docs/figures/make_all.py`` regenerates them), so
it is fast and gives the same pages on every machine.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[1]
# The checkout's fftconv, also when it is not installed (pip install -e . installs it).
sys.path.insert(0, str(ROOT))

import fftconv  # noqa: E402

project = "fftconv"
author = "the fftconv developers"
copyright = "2026, the fftconv developers"
version = release = fftconv.__version__

extensions = ["sphinx.ext.autodoc", "numpydoc"]
exclude_patterns = ["_build", "figures/*.py", "Thumbs.db", ".DS_Store"]
# `name` in the pages and docstrings links to a Python object where one exists
# (numpy's habit); an unresolved one is plain code text.
default_role = "py:obj"
html_theme = "alabaster"
html_theme_options = {
    "description": "Fast, exact-where-it-matters convolution and correlation",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "230px",
}
html_static_path: list[str] = []
html_show_sourcelink = False

autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the signatures in numpydoc's Parameters say it better
numpydoc_show_class_members = False  # members are listed by autoclass :members:
numpydoc_class_members_toctree = False


class FftconvAPI(SphinxDirective):
    """``.. fftconv-api::`` documents the names listed in its content (one a line), each
    of which must be in ``fftconv.__all__``; with the ``:rest:`` flag and no content it
    documents every name of ``fftconv.__all__`` that no earlier ``fftconv-api`` directive
    listed, so a name added to ``__all__`` appears in the reference without an edit."""

    has_content = True
    option_spec = {"rest": lambda arg: True}

    def run(self) -> list[nodes.Node]:
        listed: set[str] = self.env.temp_data.setdefault("fftconv_api_listed", set())
        public = list(fftconv.__all__)
        if "rest" in self.options:
            names = [name for name in public if name not in listed]
        else:
            names = [line.strip() for line in self.content if line.strip()]
            unknown = [name for name in names if name not in public]
            if unknown:
                raise self.error(f"fftconv-api: not in fftconv.__all__: {', '.join(unknown)}")
        listed.update(names)
        lines = []
        if "rest" in self.options and names:
            lines += [".. rubric:: Other public names", ""]
        for name in names:
            obj = getattr(fftconv, name)
            if isinstance(obj, type):
                lines += [f".. autoclass:: fftconv.{name}", "   :members:", ""]
            elif callable(obj):
                lines += [f".. autofunction:: fftconv.{name}", ""]
            else:
                lines += [f".. autodata:: fftconv.{name}", "   :annotation:", ""]
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source="fftconv.__all__"), 0, container)
        return container.children


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("fftconv-api", FftconvAPI)
    return {"parallel_read_safe": False}
