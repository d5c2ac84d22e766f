"""Person names and addresses in free text: ``cn_person``, ``cn_address`` and ``en_person``.

The detection engine finds these recognisers through ``register_recognizers`` (see
``pii_guard.detection.registry``); a rule pack names them in ``kind: plugin`` entries. The
shipped model and tables are loaded once per process on first use, not at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pii_guard.detection.ner.address import ChineseAddressRecognizer
from pii_guard.detection.ner.english import EnglishPersonRecognizer
from pii_guard.detection.ner.errors import NerDataError
from pii_guard.detection.ner.person import ChinesePersonRecognizer

if TYPE_CHECKING:
    from pii_guard.detection.registry import RecognizerRegistry

__all__ = [
    "ChineseAddressRecognizer",
    "ChinesePersonRecognizer",
    "EnglishPersonRecognizer",
    "NerDataError",
    "register_recognizers",
]


def _no_options(name: str, options: Mapping[str, Any]) -> None:
    if options:
        raise NerDataError(message=f"recognizer {name} takes no options (got {sorted(options)})")


def _person(options: Mapping[str, Any]) -> ChinesePersonRecognizer:
    _no_options("cn_person", options)
    return ChinesePersonRecognizer.default()


def _address(options: Mapping[str, Any]) -> ChineseAddressRecognizer:
    _no_options("cn_address", options)
    return ChineseAddressRecognizer.default()


def _english(options: Mapping[str, Any]) -> EnglishPersonRecognizer:
    _no_options("en_person", options)
    return EnglishPersonRecognizer.default()


def register_recognizers(registry: RecognizerRegistry) -> None:
    registry.register("cn_person", _person)
    registry.register("cn_address", _address)
    registry.register("en_person", _english)
