"""pytest runs the examples of the pages (``--doctest-glob=*.rst``, pyproject.toml); the
Sphinx configuration and the figure scripts are not test modules."""

collect_ignore = ["conf.py"]
collect_ignore_glob = ["figures/*.py", "_build/*"]
