"""Purposes of processing, their legal bases, and consent records enforced on every access."""

from pii_guard.consent.check import ConsentCheck, ConsentRuling, ConsentService, CurrentConsent

__all__ = ["ConsentCheck", "ConsentRuling", "ConsentService", "CurrentConsent"]
