"""``pii-guard policies``: export, check and propose customer-data access policies.

The CLI never applies a change by itself: ``propose`` records a pending change that another
steward approves through the API (maker-checker holds here too).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

policies_app = typer.Typer(help="Customer-data access policies: export, check, propose "
                           "(another steward approves through the API).",
                           no_args_is_help=True)
err = Console(stderr=True, highlight=False)


@contextmanager
def _services() -> Iterator[Any]:
    """Services for one command, closed however the command ends (the policy watcher is a
    thread holding a database connection)."""
    from pii_guard.cli import settings_from_cli, start_services

    services = start_services(settings_from_cli())
    try:
        yield services
    finally:
        services.close()


@policies_app.command("export")
def export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file "
                                                "instead of stdout.")] = None,
) -> None:
    """Print the current policy as a policy file (the format of policies/access.csv)."""
    from pii_guard.audit.events import AuditEvent
    from pii_guard.authz import store
    from pii_guard.cli import reported
    from pii_guard.store.engine import transaction

    with _services() as services, reported(), transaction(services.session_factory) as session:
        content = store.export_csv(session)
        services.audit.record(session, AuditEvent(
            action="policy.export", decision="allowed", reason="exported_by_cli",
            details={"version": store.current_version(session)}))
    if output is None:
        sys.stdout.write(content)
    else:
        output.write_text(content, encoding="utf-8")
        err.print(f"wrote {output}", markup=False)


@policies_app.command("check")
def check(path: Annotated[Path, typer.Argument(help="A policy file to check.", exists=True,
                                               dir_okay=False)]) -> None:
    """Check a policy file against the roles, units, purposes and invariants in force."""
    from pii_guard.authz import store
    from pii_guard.authz.casbin_model import rules_in
    from pii_guard.cli import reported
    from pii_guard.store.engine import transaction

    with _services() as services, reported(), transaction(services.session_factory) as session:
        rules = store.read_file(path, services.authz.vocabulary.current(session))
        current = rules_in(session)
    change = store.diff(current, rules)
    err.print(f"{path}: {len(rules)} valid rules; against the current policy "
              f"+{len(change.add)} -{len(change.remove)}", markup=False)


@policies_app.command("propose")
def propose(
    path: Annotated[Path, typer.Argument(help="The whole policy wanted.", exists=True,
                                         dir_okay=False)],
    author: Annotated[str, typer.Option("--as", help="The proposing steward's principal id.")],
    reason: Annotated[str, typer.Option(help="Why the policy should change.")],
) -> None:
    """Propose replacing the policy with FILE; another steward approves it through the API."""
    from pii_guard.audit.events import AuditEvent
    from pii_guard.authz import store
    from pii_guard.cli import reported
    from pii_guard.errors import PermissionDenied
    from pii_guard.identity.units import load_caller
    from pii_guard.store.engine import transaction

    with _services() as services, reported(), transaction(services.session_factory) as session:
        caller = load_caller(session, author)
        if not services.endpoint_guard.allows(caller, "policies:propose"):
            raise PermissionDenied("forbidden", f"{author} may not propose policy changes")
        row = store.propose_import(session, services.authz.vocabulary.current(session),
                                   caller, path.read_text(encoding="utf-8"), reason)
        services.audit.record(session, AuditEvent.by(
            caller, "policy.import.propose", "allowed", "proposed_by_cli",
            details={"change_id": row.id, "kind": row.kind, "added": len(row.added),
                     "removed": len(row.removed)}))
        change_id = row.id
    err.print(f"proposed change {change_id}: another steward approves it with "
              f"POST /v1/policies/changes/{change_id}/approve", markup=False)


@policies_app.command("versions")
def versions() -> None:
    """The applied versions, newest first: who proposed, who approved, why."""
    from sqlalchemy import select

    from pii_guard.store.engine import transaction
    from pii_guard.store.models.authz import PolicyVersion

    table = Table("version", "kind", "author", "approver", "+", "-", "rules", "reason")
    with _services() as services, transaction(services.session_factory) as session:
        for row in session.scalars(select(PolicyVersion).order_by(
                PolicyVersion.version.desc())):
            table.add_row(str(row.version), row.kind, row.author_id, row.approver_id,
                          str(len(row.added)), str(len(row.removed)), str(row.rule_count),
                          row.reason)
    Console().print(table)
