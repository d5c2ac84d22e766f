"""Errors of the name and address recognisers.

ConfigurationError
└── NerDataError    a shipped table or model file is missing or malformed
"""

from __future__ import annotations

from pii_guard.errors import ConfigurationError


class NerDataError(ConfigurationError):
    default_code = "ner_data_invalid"
