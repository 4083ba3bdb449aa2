"""Deterministic synthetic demo waves of the built-in instruments.

``readiness_2018()`` and ``leaders_wave(2024 | 2025 | 2026)`` return wide frames (one row per
respondent, one column per question id, ``<question>/<option>`` 0/1 columns for multiple choice).
The unweighted shares of valid answers of ``readiness_2018()``, ``leaders_wave(2024)`` and
``leaders_wave(2025)`` reproduce the figures published in the 2018 State of Collaboration report
and the 2024 and 2025 leaders' reports (the project's published-figures spec). ``leaders_wave(2026)``
is invented for the demo's trend (see ``_leaders_spec``); 120 of its respondents are 2025
respondents answering again, under their 2025 ``respondent_id``. Same output on every call and
every machine. ``demo_organisation(readiness_2018())`` is one synthetic organisation of 24
respondents, for the demo's peer comparison (``collabstate benchmark``). ``DEMO_CODINGS`` are the
(codebook, codes file) pairs of the leaders' coded open answers (``_coding``).
"""

from ._coding import DEMO_CODINGS
from ._leaders import leaders_wave
from ._organisation import demo_organisation
from ._readiness import readiness_2018

__all__ = ["DEMO_CODINGS", "demo_organisation", "leaders_wave", "readiness_2018"]
