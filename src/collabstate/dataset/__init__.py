"""What was answered: the Responses type, readers, validation and writers."""

from .responses import DESIGN_DTYPES, KIND_DTYPES, Responses, canonical_schema

__all__ = ["DESIGN_DTYPES", "KIND_DTYPES", "Responses", "canonical_schema"]

from .writers import FORMATS, codebook, write_responses

__all__ += ["FORMATS", "codebook", "write_responses"]

from .readers import DataProblem, ResponsesError, read_responses
from .validate import MAX_PROBLEMS, Validation

__all__ += ["MAX_PROBLEMS", "DataProblem", "ResponsesError", "Validation", "read_responses"]

from .waves import Stacked, Wave, WaveOrderError, order_waves, stack_waves, waves_in

__all__ += ["Stacked", "Wave", "WaveOrderError", "order_waves", "stack_waves", "waves_in"]
