"""Treatments (mask, token, hash, generalise, redact) and the key management they need.

``Treatments`` (``services.treatments``) applies them; ``KeyRing`` keeps the data keys;
rules come from ``classifiers/treatments.yaml``.
"""

from pii_guard.masking.errors import KeyRingFull, KeyUnavailable, TokenError
from pii_guard.masking.service import TreatedText, Treatments

__all__ = ["KeyRingFull", "KeyUnavailable", "TokenError", "TreatedText", "Treatments"]
