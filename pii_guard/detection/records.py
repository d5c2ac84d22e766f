"""Walking nested JSON records: every string or number leaf with its path and field names.

Paths follow JSONPath: ``$.contacts[0].mobile``; a key that is not a plain identifier is
quoted (``$["e-mail"]``). Chinese keys are plain identifiers (``$.客户.手机号``). Numbers are
scanned in their JSON text form (``13812345678`` -> ``"13812345678"``); booleans and nulls hold
no personal data and are skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

_PLAIN_KEY = re.compile(r"^[^\W\d][\w]*$")

Leaf = tuple[str, tuple[str, ...], str]  # path, field names (own first, then ancestors), text


def child_path(path: str, key: str) -> str:
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def scalar_text(value: Any) -> str | None:
    """The text form scanned for a leaf, or None for leaves that are not scanned."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return json.dumps(value)
    return None


def leaves(record: Mapping[str, Any]) -> Iterator[Leaf]:
    """Leaves in document order; iterative, so deep records cannot exhaust the stack."""
    stack: list[tuple[str, tuple[str, ...], Any]] = [("$", (), record)]
    while stack:
        path, names, value = stack.pop()
        if isinstance(value, Mapping):
            items = [(child_path(path, str(k)), (str(k), *names), v) for k, v in value.items()]
            stack.extend(reversed(items))
        elif isinstance(value, list | tuple):
            stack.extend(reversed([(f"{path}[{i}]", names, v) for i, v in enumerate(value)]))
        else:
            text = scalar_text(value)
            if text:
                yield path, names, text


def count_leaves(record: Mapping[str, Any], limit: int) -> int:
    """Leaves in ``record``, counting containers too, stopping once ``limit`` is passed."""
    count = 0
    stack: list[Any] = [record]
    while stack and count <= limit:
        value = stack.pop()
        if isinstance(value, Mapping):
            stack.extend(value.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
        else:
            count += 1
    return count
