"""What was answered: the Responses type, readers, validation and writers."""

from .responses import DESIGN_DTYPES, KIND_DTYPES, Responses, canonical_schema

__all__ = ["DESIGN_DTYPES", "KIND_DTYPES", "Responses", "canonical_schema"]

from .writers import FORMATS, codebook, write_responses

__all__ += ["FORMATS", "codebook", "write_responses"]
