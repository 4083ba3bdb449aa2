"""collabstate: measure how well the public, private, not-for-profit and education sectors
collaborate, end to end: instrument, validate, estimate with honest uncertainty, report.

>>> from collabstate import load_instrument, read_responses, estimate
>>> validation = read_responses("answers.csv", "leaders")      # doctest: +SKIP
>>> table = estimate(validation.responses, by="sector")        # doctest: +SKIP

The public names below are imported from their room when first used.
"""

from typing import TYPE_CHECKING

from .lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and editors see; at run time each name loads when first used
    from .analysis import headline_figures
    from .dataset import (
        FORMATS,
        DataProblem,
        Responses,
        ResponsesError,
        Validation,
        Wave,
        WaveOrderError,
        codebook,
        order_waves,
        read_responses,
        stack_waves,
        waves_in,
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
    from .stats import (
        Design,
        Targets,
        WeightingDataError,
        WeightingResult,
        answer_counts,
        estimate,
        load_targets,
        poststratify,
        rake,
        rao_scott,
        trend_changes,
        wave_change,
    )

__version__ = "0.1.0"

_EXPORTS = {
    "headline_figures": "analysis",
    **dict.fromkeys(
        [
            "FORMATS",
            "DataProblem",
            "Responses",
            "ResponsesError",
            "Validation",
            "Wave",
            "WaveOrderError",
            "codebook",
            "order_waves",
            "read_responses",
            "stack_waves",
            "waves_in",
            "write_responses",
        ],
        "dataset",
    ),
    **dict.fromkeys(
        [
            "Condition",
            "ConditionError",
            "Instrument",
            "InstrumentError",
            "builtin_instruments",
            "instrument_schema",
            "load_instrument",
            "parse_condition",
            "parse_instrument",
        ],
        "instrument",
    ),
    **dict.fromkeys(
        [
            "Design",
            "Targets",
            "WeightingDataError",
            "WeightingResult",
            "answer_counts",
            "estimate",
            "load_targets",
            "poststratify",
            "rake",
            "rao_scott",
            "trend_changes",
            "wave_change",
        ],
        "stats",
    ),
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
