"""The worked examples in the estimate engine's docstrings run and give what they say."""

import doctest
import importlib

import pytest

MODULES = ["design", "variance", "intervals", "estimate", "compare"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"collabstate.stats.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
