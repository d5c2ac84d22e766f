"""Detection: recognisers and the scanning engine for free text and records."""

from pii_guard.detection.findings import Finding, TextRecognizer

__all__ = ["Finding", "TextRecognizer"]
