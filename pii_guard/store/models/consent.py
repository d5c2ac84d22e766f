"""Purposes and consent records (filled in by the consent work)."""
