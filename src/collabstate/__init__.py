"""collabstate: measure how well the public, private, not-for-profit and education sectors
collaborate, end to end: instrument, validate, estimate with honest uncertainty, report.

>>> from collabstate import load_instrument, read_responses, estimate
>>> validation = read_responses("answers.csv", "leaders")      # doctest: +SKIP
>>> table = estimate(validation.responses, by="sector")        # doctest: +SKIP
"""

from .analysis import headline_figures
from .dataset import (
    FORMATS,
    DataProblem,
    Responses,
    ResponsesError,
    Validation,
    codebook,
    read_responses,
    write_responses,
)
from .instrument import (
    Condition,
    ConditionError,
    Instrument,
    InstrumentError,
    builtin_instruments,
    instrument_schema,
    load_instrument,
    parse_condition,
    parse_instrument,
)
from .stats import Design, Targets, WeightingResult, answer_counts, estimate, load_targets, poststratify, rake, rao_scott, wave_change

__version__ = "0.1.0"

__all__ = [
    "answer_counts",
    "builtin_instruments",
    "codebook",
    "Condition",
    "ConditionError",
    "DataProblem",
    "Design",
    "estimate",
    "FORMATS",
    "headline_figures",
    "Instrument",
    "instrument_schema",
    "InstrumentError",
    "load_instrument",
    "load_targets",
    "parse_condition",
    "parse_instrument",
    "poststratify",
    "rake",
    "rao_scott",
    "read_responses",
    "Responses",
    "ResponsesError",
    "Targets",
    "Validation",
    "wave_change",
    "WeightingResult",
    "write_responses",
]
