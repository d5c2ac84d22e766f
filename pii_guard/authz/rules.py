"""One data-access rule, its canonical order, and its CSV form (Casbin's policy-file lines).

A rule reads ``p, role, unit, scope, purpose, treatment, priority``:

- ``role``: a role code from the role registry (principals get rules through their roles);
- ``unit``: an organisation unit code, or ``*`` for every unit; a rule for a unit applies to
  that unit and every unit below it;
- ``scope``: a tier (``C1``, ``C2``, ``C3``) or a category of classifiers/taxonomy.yaml;
- ``purpose``: a registered purpose, or ``*`` for every purpose;
- ``treatment``: see ``Treatment``;
- ``priority``: an integer, lower wins.

**Precedence** (one answer for every conflict): of all rules that match a request, the one
first in canonical order decides: lowest ``priority`` first; at equal priority the more
restrictive treatment first (deny-override within a priority band); then by the remaining
fields alphabetically, so the order is total. Casbin's ``priority(p.eft) || deny`` effect over
the rules loaded in this order gives the same answer, which the tests and the benchmark check.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pii_guard.authz.treatments import Treatment

PTYPE = "p"
ANY = "*"
FIELDS = ("role", "unit", "scope", "purpose", "treatment", "priority")


class RuleSyntaxError(ValueError):
    """A policy line that is not ``p`` and six fields; the message names the line."""


@dataclass(frozen=True, slots=True, order=False)
class Rule:
    role: str
    unit: str
    scope: str
    purpose: str
    treatment: Treatment
    priority: int

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What a rule is about; a policy holds at most one rule per key."""
        return (self.role, self.unit, self.scope, self.purpose)

    def sort_key(self) -> tuple[int, int, str, str, str, str]:
        return (self.priority, -self.treatment.rank, self.role, self.unit, self.scope,
                self.purpose)

    def casbin(self) -> list[str]:
        """The rule as the values of Casbin's ``p`` section (``model.conf``)."""
        return [self.role, self.unit, self.scope, self.purpose, self.treatment.value,
                str(self.priority)]

    def line(self) -> str:
        return ", ".join([PTYPE, *self.casbin()])

    def as_dict(self) -> dict[str, str | int]:
        return {"role": self.role, "unit": self.unit, "scope": self.scope,
                "purpose": self.purpose, "treatment": self.treatment.value,
                "priority": self.priority}

    @classmethod
    def from_values(cls, values: list[str]) -> Rule:
        """A rule from the six values after ``p``; raises ``RuleSyntaxError``."""
        if len(values) != len(FIELDS):
            raise RuleSyntaxError(f"expected {len(FIELDS)} values ({', '.join(FIELDS)}), "
                                  f"got {len(values)}")
        role, unit, scope, purpose, treatment, priority = (v.strip() for v in values)
        try:
            parsed_treatment = Treatment(treatment)
        except ValueError:
            raise RuleSyntaxError(f"unknown treatment {treatment!r}") from None
        if not priority.isdigit():
            raise RuleSyntaxError(f"priority must be a whole number, got {priority!r}")
        return cls(role, unit, scope, purpose, parsed_treatment, int(priority))


def canonical(rules: Iterable[Rule]) -> list[Rule]:
    """Rules in the order that decides conflicts (see the module docstring)."""
    return sorted(set(rules), key=Rule.sort_key)


def parse_lines(text: str, source: str) -> Iterator[tuple[int, Rule]]:
    """``(line number, rule)`` for each policy line; comments (``#``) and blanks skipped."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        values = next(csv.reader([line], skipinitialspace=True))
        try:
            if values[0].strip() != PTYPE:
                raise RuleSyntaxError(f"only {PTYPE!r} lines are allowed, got {values[0]!r}")
            yield number, Rule.from_values(values[1:])
        except RuleSyntaxError as exc:
            raise RuleSyntaxError(f"{source}:{number}: {exc}") from None


def to_csv(rules: Iterable[Rule], header: str = "") -> str:
    """Rules as a policy file, canonical order, readable by ``parse_lines`` and by Casbin."""
    out = io.StringIO()
    for comment in header.splitlines():
        out.write(f"# {comment}\n".replace("# \n", "#\n"))
    for rule in canonical(rules):
        out.write(rule.line() + "\n")
    return out.getvalue()
