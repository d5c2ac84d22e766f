"""pii-guard: personal-information protection and data-lifecycle governance."""

__version__ = "0.1.0"
