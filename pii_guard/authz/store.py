"""The policy store: the current rules, numbered versions, and maker-checker changes.

Every write goes one way: a steward proposes a change (rules to add and remove, a reason); a
*different* steward approves it; approval applies it to ``casbin_rule`` and records version
N+1 with author, approver, reason and diff, all in one transaction (the caller adds the audit
event to the same transaction). Rollback and import are changes too. Memory follows storage:
the decider reloads after the commit, never before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from pii_guard.authz.casbin_model import rules_in
from pii_guard.authz.errors import ChangeConflict, NotApprover, NotPending, PolicyInvalid
from pii_guard.authz.rules import PTYPE, Rule, RuleSyntaxError, canonical, parse_lines, to_csv
from pii_guard.authz.vocabulary import Vocabulary
from pii_guard.errors import NotFound
from pii_guard.identity.caller import Caller
from pii_guard.resources import policies_dir
from pii_guard.store import locks
from pii_guard.store.base import new_id, utcnow
from pii_guard.store.models.authz import CasbinRule, PolicyChange, PolicyVersion

SYSTEM = "system"
PENDING, APPLIED, REJECTED = "pending", "applied", "rejected"


def default_policy_path() -> Path:
    return policies_dir() / "access.csv"


def lock_policy(session: Session) -> None:
    """Serialise writers: PostgreSQL takes a transaction-scoped advisory lock; SQLite already
    allows one writer at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": locks.POLICY_WRITE})


def current_version(session: Session) -> int:
    return session.scalar(select(func.max(PolicyVersion.version))) or 0


def load_current(session: Session, newer_than: int | None = None
                 ) -> tuple[int, list[Rule]] | None:
    """``(version, rules)``, or None when the stored version is not newer than ``newer_than``.

    The version is read before the rules: under READ COMMITTED a concurrent change can make
    the rules newer than the label, never older, and that change's notification reloads.
    """
    version = current_version(session)
    if newer_than is not None and version <= newer_than:
        return None
    return version, rules_in(session)


def read_file(path: Path, vocabulary: Vocabulary) -> list[Rule]:
    """A policy file, parsed and validated; problems name the file and line."""
    try:
        return parse_text(path.read_text(encoding="utf-8"), str(path), vocabulary)
    except OSError as exc:
        raise PolicyInvalid([f"{path}: {exc}"]) from None


def parse_text(content: str, source: str, vocabulary: Vocabulary) -> list[Rule]:
    try:
        rules = [rule for _, rule in parse_lines(content, source)]
    except RuleSyntaxError as exc:
        raise PolicyInvalid([str(exc)], "invalid_policy_file") from None
    return vocabulary.check(rules, source)


def _write_rules(session: Session, add: Iterable[Rule], remove: Iterable[Rule]) -> None:
    for rule in remove:
        v = rule.casbin()
        session.execute(delete(CasbinRule).where(
            CasbinRule.ptype == PTYPE, CasbinRule.v0 == v[0], CasbinRule.v1 == v[1],
            CasbinRule.v2 == v[2], CasbinRule.v3 == v[3], CasbinRule.v4 == v[4],
            CasbinRule.v5 == v[5]))
    for rule in add:
        v = rule.casbin()
        session.add(CasbinRule(ptype=PTYPE, v0=v[0], v1=v[1], v2=v[2], v3=v[3], v4=v[4],
                               v5=v[5]))
    session.flush()


def _lists(rules: Iterable[Rule]) -> list[list[str]]:
    return [rule.casbin() for rule in canonical(rules)]


def rules_of(values: Iterable[list[str]]) -> list[Rule]:
    return [Rule.from_values(list(v)) for v in values]


def seed_if_empty(session: Session, vocabulary: Vocabulary, path: Path | None = None) -> int:
    """On first start, the default policy becomes version 1; afterwards the database rules."""
    lock_policy(session)
    version = current_version(session)
    if version:
        return version
    source = path or default_policy_path()
    rules = read_file(source, vocabulary)
    _write_rules(session, rules, ())
    session.add(PolicyVersion(version=1, kind="seed", change_id=None, author_id=SYSTEM,
                              approver_id=SYSTEM, reason=f"seeded from {source.name}",
                              added=_lists(rules), removed=[], rule_count=len(rules)))
    session.flush()
    return 1


@dataclass(frozen=True)
class Diff:
    add: list[Rule]
    remove: list[Rule]

    @property
    def empty(self) -> bool:
        return not self.add and not self.remove


def diff(current: Iterable[Rule], wanted: Iterable[Rule]) -> Diff:
    have, want = set(current), set(wanted)
    return Diff(canonical(want - have), canonical(have - want))


def _after(current: set[Rule], change: Diff) -> set[Rule]:
    return (current - set(change.remove)) | set(change.add)


def _check_applicable(current: set[Rule], change: Diff, vocabulary: Vocabulary,
                      error: type[PolicyInvalid] | type[ChangeConflict]) -> None:
    problems = [f"{r.line()}: not in the current policy" for r in change.remove
                if r not in current]
    problems += [f"{r.line()}: already in the current policy" for r in change.add
                 if r in current]
    if problems:
        message = "; ".join(problems[:10])
        raise (ChangeConflict(message=message) if error is ChangeConflict
               else PolicyInvalid(problems, "change_not_applicable"))
    vocabulary.check(change.add, "add")
    keys: dict[tuple[str, str, str, str], Rule] = {}
    for rule in _after(current, change):
        if keys.setdefault(rule.key, rule) is not rule:
            message = (f"{rule.line()}: the policy would hold two rules for the same role, "
                       f"unit, scope and purpose ({keys[rule.key].line()})")
            raise (ChangeConflict(message=message) if error is ChangeConflict
                   else PolicyInvalid([message], "duplicate_rule"))


def propose(session: Session, vocabulary: Vocabulary, author: Caller, change: Diff,
            reason: str, *, kind: str = "change", target_version: int | None = None
            ) -> PolicyChange:
    """Record a pending change after checking it could be applied to the current policy."""
    if change.empty:
        raise PolicyInvalid(["the change adds and removes nothing"], "empty_change")
    _check_applicable(set(rules_in(session)), change, vocabulary, PolicyInvalid)
    row = PolicyChange(id=new_id(), kind=kind, status=PENDING, author_id=author.principal_id,
                       reason=reason, added=_lists(change.add), removed=_lists(change.remove),
                       base_version=current_version(session), target_version=target_version,
                       decision_note="")
    session.add(row)
    session.flush()
    return row


def get_change(session: Session, change_id: str, *, for_update: bool = False) -> PolicyChange:
    query = select(PolicyChange).where(PolicyChange.id == change_id)
    row = session.scalar(query.with_for_update() if for_update else query)
    if row is None:
        raise NotFound("policy_change_not_found", f"no policy change {change_id!r}")
    return row


def approve(session: Session, vocabulary: Vocabulary, approver: Caller, change_id: str,
            note: str = "") -> PolicyVersion:
    """Apply a pending change approved by a steward who did not propose it."""
    lock_policy(session)
    row = get_change(session, change_id, for_update=True)
    if row.status != PENDING:
        raise NotPending(message=f"the change is {row.status}")
    if row.author_id == approver.principal_id:
        raise NotApprover("self_approval", "a change must be approved by another steward")
    change = Diff(rules_of(row.added), rules_of(row.removed))
    _check_applicable(set(rules_in(session)), change, vocabulary, ChangeConflict)
    _write_rules(session, change.add, change.remove)
    version = current_version(session) + 1
    now = utcnow()
    entry = PolicyVersion(version=version, kind=row.kind, change_id=row.id,
                          author_id=row.author_id, approver_id=approver.principal_id,
                          reason=row.reason, added=row.added, removed=row.removed,
                          rule_count=len(rules_in(session)), created_at=now)
    session.add(entry)
    row.status, row.decided_by, row.decided_at = APPLIED, approver.principal_id, now
    row.decision_note, row.applied_version = note, version
    session.flush()
    return entry


def reject(session: Session, approver: Caller, change_id: str, note: str) -> PolicyChange:
    row = get_change(session, change_id, for_update=True)
    if row.status != PENDING:
        raise NotPending(message=f"the change is {row.status}")
    row.status, row.decided_by, row.decided_at = REJECTED, approver.principal_id, utcnow()
    row.decision_note = note
    session.flush()
    return row


def rules_at(session: Session, version: int) -> list[Rule]:
    """The policy as it was at ``version``, replayed from the recorded diffs."""
    if session.get(PolicyVersion, version) is None:
        raise NotFound("policy_version_not_found", f"no policy version {version}")
    state: set[Rule] = set()
    rows = session.scalars(select(PolicyVersion).where(PolicyVersion.version <= version)
                           .order_by(PolicyVersion.version))
    for row in rows:
        state = _after(state, Diff(rules_of(row.added), rules_of(row.removed)))
    return canonical(state)


def propose_rollback(session: Session, vocabulary: Vocabulary, author: Caller, version: int,
                     reason: str) -> PolicyChange:
    change = diff(rules_in(session), rules_at(session, version))
    if change.empty:
        raise PolicyInvalid([f"the policy already equals version {version}"], "empty_change")
    return propose(session, vocabulary, author, change, reason, kind="rollback",
                   target_version=version)


def propose_import(session: Session, vocabulary: Vocabulary, author: Caller, content: str,
                   reason: str) -> PolicyChange:
    wanted = parse_text(content, "import", vocabulary)
    return propose(session, vocabulary, author, diff(rules_in(session), wanted), reason,
                   kind="import")


def export_csv(session: Session) -> str:
    version = current_version(session)
    return to_csv(rules_in(session), f"pii-guard access policy, version {version}\n"
                  "p, role, unit, scope, purpose, treatment, priority")
