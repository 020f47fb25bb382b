"""The unified social credit code (GB 32100-2015)."""

from services.registry.uscc.charset import CHARSET, WEIGHTS, uscc_check_character
from services.registry.uscc.validation import UsccError, is_valid_uscc, validate_uscc

__all__ = [
    "CHARSET",
    "WEIGHTS",
    "UsccError",
    "is_valid_uscc",
    "uscc_check_character",
    "validate_uscc",
]
