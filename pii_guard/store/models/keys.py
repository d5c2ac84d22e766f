"""Data keys for tokens and hashes, wrapped under the KEK (filled in by the treatments work)."""
