"""Every ``>>>`` example in ``src/`` runs (issue 13): modules are found by walking the package,
not from a list kept by hand. Examples that need files or a server say ``# doctest: +SKIP``."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import collabstate

#: Modules that cannot be imported as a library: entry points and migrations.
NOT_LIBRARY = ("__main__", ".manage", ".wsgi", ".migrations.")


def _modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(collabstate.__path__, "collabstate.")]
    return sorted(["collabstate", *(n for n in names if not any(part in n + "." for part in NOT_LIBRARY))])


def _with_examples() -> list[str]:
    finder = doctest.DocTestFinder()
    return [name for name in _modules() if any(t.examples for t in finder.find(importlib.import_module(name)))]


MODULES = _with_examples()


def test_examples_are_found_across_the_package():
    assert len(MODULES) >= 29  # the count the issue found, from a walk rather than a list


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed (run it with python -m doctest -v)"
