"""A treated copy of a record: same structure, same keys, same order, the request untouched.

Leaves are addressed by the JSON paths detection gives its findings (``$.contacts[0].mobile``,
built by ``detection.records.child_path``), so a finding's field leads straight to the slot
whose value the treatment replaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pii_guard.detection.records import child_path


@dataclass(frozen=True, slots=True)
class Leaf:
    container: Any  # the dict or list holding the value in the copy
    key: Any  # its key or index there


def leaf_value(leaf: Leaf) -> Any:
    return leaf.container[leaf.key]


def copy_leaves(record: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Leaf]]:
    """A deep copy of ``record`` and the slot of every scalar leaf in it, by path.

    Iterative, like detection's walk, so a deeply nested record cannot exhaust the stack.
    """
    root: dict[str, Any] = {}
    leaves: dict[str, Leaf] = {}
    stack: list[tuple[str, Any, Any, Any]] = [("$", record, None, None)]
    while stack:
        path, value, parent, key = stack.pop()
        if isinstance(value, Mapping):
            copy: Any = root if parent is None else {}
            for name, child in value.items():
                copy[str(name)] = None
                stack.append((child_path(path, str(name)), child, copy, str(name)))
        elif isinstance(value, list | tuple):
            copy = [None] * len(value)
            stack.extend((f"{path}[{i}]", child, copy, i) for i, child in enumerate(value))
        else:
            copy = value
            leaves[path] = Leaf(parent, key)
        if parent is not None:
            parent[key] = copy
    return root, leaves
