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
from .stats import Design, estimate, wave_change

__version__ = "0.1.0"

__all__ = [
    "Condition",
    "ConditionError",
    "DataProblem",
    "Design",
    "FORMATS",
    "Instrument",
    "InstrumentError",
    "Responses",
    "ResponsesError",
    "Validation",
    "builtin_instruments",
    "codebook",
    "estimate",
    "headline_figures",
    "instrument_schema",
    "load_instrument",
    "parse_condition",
    "parse_instrument",
    "read_responses",
    "wave_change",
    "write_responses",
]
