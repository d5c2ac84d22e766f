"""Plug-in recognisers: non-pattern ``TextRecognizer``s referenced by name from a rule pack.

A pack entry ``{kind: plugin, entity: PERSON, recognizer: cn_person}`` asks for the recogniser
registered as ``cn_person``. Code registers factories (``options`` from the pack entry in, a
``TextRecognizer`` out). ``default_registry()`` asks each module in ``PLUGIN_MODULES`` that is
installed to ``register_recognizers(registry)``: the name/address recognisers of
``pii_guard.detection.ner`` join this way without this package importing them directly.
A referenced name that is not registered stops start-up, unless the entry says
``optional: true`` (then the engine logs it and lists it in ``Detector.skipped``).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from typing import Any

from pii_guard.detection.findings import TextRecognizer

RecognizerFactory = Callable[[Mapping[str, Any]], TextRecognizer]
PLUGIN_MODULES = ("pii_guard.detection.ner",)


class RecognizerRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, RecognizerFactory] = {}

    def register(self, name: str, factory: RecognizerFactory) -> None:
        if name in self._factories:
            raise ValueError(f"recognizer {name!r} is already registered")
        self._factories[name] = factory

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._factories))

    def create(self, name: str, options: Mapping[str, Any]) -> TextRecognizer:
        recognizer = self._factories[name](options)
        if not isinstance(recognizer, TextRecognizer):
            raise TypeError(f"recognizer {name!r} does not implement TextRecognizer")
        return recognizer


def default_registry(modules: tuple[str, ...] = PLUGIN_MODULES) -> RecognizerRegistry:
    """A registry filled by every installed plug-in module's ``register_recognizers``."""
    registry = RecognizerRegistry()
    for module_name in modules:
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        register = getattr(module, "register_recognizers", None)
        if callable(register):
            register(registry)
    return registry
