"""Refusals of a classify-and-mask call, each with a stable code."""

from __future__ import annotations

from pii_guard.errors import PermissionDenied


class PurposeRefused(PermissionDenied):
    """The caller may not process personal data for this purpose at all."""

    default_code = "purpose_not_allowed"


class ConsentRefused(PermissionDenied):
    """The purpose needs the subject's consent, has none, and refuses rather than redacts."""

    default_code = "consent_required"


class DetokenizeRefused(PermissionDenied):
    """Clear values come back only to callers whose decision for the value is ``clear``."""

    default_code = "detokenize_not_allowed"
