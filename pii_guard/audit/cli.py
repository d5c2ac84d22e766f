"""``pii-guard audit``: verify, checkpoint, export, prune and inspect the audit log."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pii_guard.errors import PiiGuardError

app = typer.Typer(help="The tamper-evident audit log: verify it, sign checkpoints, export "
                  "events, apply retention.", no_args_is_help=True)


def _services() -> Any:
    from pii_guard.cli import settings_from_cli, start_services

    return start_services(settings_from_cli())


def _fail(error: PiiGuardError) -> typer.Exit:
    from pii_guard.cli import fail

    return fail(error)


@app.command("verify")
def verify(
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", exists=True, dir_okay=False,
        help="A checkpoint saved from GET /v1/audit/checkpoints (one element, JSON) or from "
        "`pii-guard audit checkpoint`; the log must still contain and match it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Recompute every event's hash, the Merkle tree and every checkpoint. Exits 1, naming the
    first bad sequence number, if any event was modified, deleted, inserted or reordered or
    the log was cut back below a checkpoint."""
    from pii_guard.audit.checkpoints import Checkpoint
    from pii_guard.audit.verify import Verifier

    services = _services()
    try:
        exported = None
        if checkpoint is not None:
            try:
                exported = Checkpoint.from_json(json.loads(checkpoint.read_text("utf-8")))
            except (json.JSONDecodeError, UnicodeDecodeError):
                from pii_guard.audit.errors import CheckpointInvalid

                raise _fail(CheckpointInvalid(message=f"{checkpoint}: not JSON")) from None
            except PiiGuardError as error:
                raise _fail(error) from None
        services.audit_sequencer.catch_up()
        signer = services.audit_sequencer.signer
        report = Verifier(services.engine, signer.public_key, signer.origin).verify(exported)
    finally:
        services.close()
    if as_json:
        typer.echo(json.dumps({
            "ok": report.ok, "tree_size": report.tree_size,
            "retained_from": report.retained_from, "events_checked": report.events_checked,
            "checkpoints_checked": report.checkpoints_checked,
            "first_bad_seq": report.first_bad_seq, "seconds": round(report.seconds, 3),
            "problems": [{"code": p.code, "seq": p.seq, "message": p.message}
                         for p in report.problems]}, indent=2))
    else:
        typer.echo(f"tree size {report.tree_size}, {report.events_checked} events and "
                   f"{report.checkpoints_checked} checkpoints checked in {report.seconds:.1f} s"
                   + (f" (retained from seq {report.retained_from})"
                      if report.retained_from else ""))
        if exported is not None and report.exported_checked:
            typer.echo(f"exported checkpoint (tree size {exported.tree_size}) matches")
        for problem in report.problems:
            typer.echo(f"FAILED [{problem.code}] {problem.message}", err=True)
        if report.first_bad_seq is not None:
            typer.echo(f"first bad sequence number: {report.first_bad_seq}", err=True)
        if report.ok:
            typer.echo("audit log verified")
    if not report.ok:
        raise typer.Exit(1)


@app.command("checkpoint")
def checkpoint(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Also write the "
                                                "checkpoint JSON to this file.")] = None,
) -> None:
    """Sequence what is pending, sign a checkpoint of the log now and print it as JSON (the
    file `verify --checkpoint` accepts). Keep a copy outside the database."""
    from pii_guard.audit import ledger
    from pii_guard.audit.events import AuditEvent
    from pii_guard.store.engine import transaction

    services = _services()
    try:
        services.audit_sequencer.catch_up()
        with transaction(services.session_factory) as session:
            made = ledger.make_checkpoint(session, services.audit_sequencer.signer)
            services.audit.record(session, AuditEvent(
                action="audit.checkpoint", decision="allowed", reason="made_by_cli",
                details={"tree_size": made.tree_size, "checkpoint_id": made.id}))
    finally:
        services.close()
    text = json.dumps(made.to_json(), indent=2, ensure_ascii=False)
    typer.echo(text)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")


@app.command("public-key")
def public_key() -> None:
    """Print the Ed25519 public key that signs checkpoints (for third parties)."""
    import base64

    services = _services()
    signer = services.audit_sequencer.signer
    services.close()
    typer.echo(json.dumps({"origin": signer.origin, "algorithm": "Ed25519",
                           "key_id": signer.key_id,
                           "public_key": base64.b64encode(signer.public_key).decode()},
                          indent=2))


@app.command("export")
def export(
    format: Annotated[str, typer.Option(help="jsonl (exact) or csv.")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    subject: Annotated[str | None, typer.Option(help="Only this subject_ref.")] = None,
    principal: Annotated[str | None, typer.Option(help="Only this principal.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action.")] = None,
) -> None:
    """Write events in sequence order (all, or those matching the filters)."""
    from pii_guard.audit.events import AuditEvent
    from pii_guard.audit.export import csv_lines, jsonl_lines
    from pii_guard.audit.queries import EventFilter, iter_events

    if format not in ("jsonl", "csv"):
        raise typer.BadParameter("format must be jsonl or csv")
    services = _services()
    where = EventFilter(subject_ref=subject, principal_id=principal, action=action)
    try:
        services.audit.record_now(AuditEvent(
            action="audit.export", decision="allowed", reason="exported_by_cli",
            subject_ref=subject, details={**where.as_details(), "format": format}))
        rows = iter_events(services.session_factory, where)
        lines = csv_lines(rows) if format == "csv" else jsonl_lines(rows)
        handle = sys.stdout if output is None else output.open("w", encoding="utf-8")
        try:
            for chunk in lines:
                handle.write(chunk)
        finally:
            if output is not None:
                handle.close()
    finally:
        services.close()


@app.command("prune")
def prune(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would go.")] = False,
) -> None:
    """Remove events older than the retention period (PII_GUARD_AUDIT_RETENTION_YEARS), whole
    months at a time, after a checkpoint covering them; the rest still verifies."""
    from pii_guard.audit import retention
    from pii_guard.store.base import utcnow

    services = _services()
    try:
        result = retention.prune(
            services.engine, services.session_factory, services.audit_sequencer.signer,
            services.audit, years=services.settings.audit_retention_years, now=utcnow(),
            dry_run=dry_run)
    finally:
        services.close()
    verb = "would remove" if dry_run else "removed"
    typer.echo(f"cutoff {result.cutoff.date()}: {verb} {result.removed_events} events "
               f"(log now starts at seq {result.pruned_before}); partitions: "
               f"{', '.join(result.dropped_partitions) or 'none'}")
    if result.checkpoint is not None:
        typer.echo(json.dumps(result.checkpoint.to_json(), indent=2))


@app.command("status")
def status() -> None:
    """Tree size, events waiting in the inbox, the latest checkpoint."""
    from sqlalchemy import func, select

    from pii_guard.audit import ledger
    from pii_guard.store.models.audit import AuditInboxRow

    services = _services()
    try:
        with services.session_factory() as session:
            head = ledger.read_head(session)
            pending = session.scalar(select(func.count()).select_from(AuditInboxRow))
            latest = ledger.latest_checkpoint(session)
    finally:
        services.close()
    typer.echo(f"tree size {head.tree_size} (retained from seq {head.pruned_before}), "
               f"{pending} events waiting to be sequenced")
    if latest is not None:
        typer.echo(f"latest checkpoint #{latest.id}: tree size {latest.tree_size}, "
                   f"{latest.created_at.isoformat()}")
