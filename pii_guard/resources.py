"""Where the reviewable content (rule packs under ``classifiers/``, policies under ``policies/``)
is found: inside the installed wheel (``pii_guard/_data/``) or, in a source checkout, at the
repository root where stewards edit it."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The directory of packaged content ``name`` (``classifiers`` or ``policies``)."""
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    source = _PACKAGE_DIR.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"pii-guard content directory {name!r} is missing from the install")


def classifiers_dir() -> Path:
    return data_dir("classifiers")


def policies_dir() -> Path:
    return data_dir("policies")
