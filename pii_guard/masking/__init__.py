"""Treatments (mask, token, hash, generalise, redact) and the key management they need."""
