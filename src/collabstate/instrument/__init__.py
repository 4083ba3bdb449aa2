"""What was asked: instruments, their questions, scales, skip logic and index definitions."""

from .derived import load_derived, parse_derived
from .loader import InstrumentError, Problem, builtin_instruments, instrument_schema, load_instrument, parse_instrument
from .logic import Condition, ConditionError, parse_condition
from .model import DESIGN_COLUMNS, Column, Instrument

__all__ = [
    "DESIGN_COLUMNS",
    "Column",
    "Condition",
    "ConditionError",
    "Instrument",
    "InstrumentError",
    "Problem",
    "builtin_instruments",
    "instrument_schema",
    "load_derived",
    "load_instrument",
    "parse_condition",
    "parse_derived",
    "parse_instrument",
]
