"""What was answered: the Responses type, readers, validation and writers."""

from ._isolated import read_source_isolated
from ._limits import ReadLimits
from ._sources import Source, decode_text, read_source
from .derived import derive, within
from .readers import DataProblem, ResponsesError, read_responses
from .responses import DESIGN_DTYPES, KIND_DTYPES, Responses, canonical_schema
from .validate import MAX_PROBLEMS, Validation
from .waves import Stacked, Wave, WaveOrderError, order_waves, stack_waves, waves_in
from .writers import FORMATS, codebook, format_of, write_responses

__all__ = [
    "DESIGN_DTYPES",
    "FORMATS",
    "KIND_DTYPES",
    "MAX_PROBLEMS",
    "DataProblem",
    "ReadLimits",
    "Responses",
    "ResponsesError",
    "Source",
    "Stacked",
    "Validation",
    "Wave",
    "WaveOrderError",
    "canonical_schema",
    "codebook",
    "decode_text",
    "derive",
    "format_of",
    "order_waves",
    "read_responses",
    "read_source",
    "read_source_isolated",
    "stack_waves",
    "waves_in",
    "within",
    "write_responses",
]
