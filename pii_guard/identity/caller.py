"""The authenticated caller of one request, as every concern sees it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Caller:
    """A principal with its roles and organisation unit, resolved once per request.

    ``unit_path`` lists the unit codes from the root down to the caller's own unit
    (``("head-office", "shanghai-branch")``), so policies can inherit down the hierarchy.
    """

    principal_id: str
    display_name: str
    roles: frozenset[str]
    unit_code: str
    unit_path: tuple[str, ...]
    key_prefix: str | None = None
    kind: str = "system"
    attributes: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def within(self, unit_code: str) -> bool:
        """True when the caller's unit is ``unit_code`` or below it."""
        return unit_code in self.unit_path
