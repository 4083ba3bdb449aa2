"""The worked examples in the web layer's docstrings run."""

import doctest

import pytest

from collabstate.web import logs, validators
from collabstate.web.surveys import flow
from collabstate.web.throttle import counting
from collabstate.web.workspace import chart, coding, models


@pytest.mark.parametrize("module", [flow, logs, chart, coding, models, validators, counting], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
