"""Purposes of processing, their legal bases, and consent records enforced on every access."""
