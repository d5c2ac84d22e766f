"""``pii-guard consent``: import existing consents in bulk, show a subject's consents.

Import is attributed to a principal allowed ``consents:import`` (``--as``), like the API.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

app = typer.Typer(help="Consent records: bulk import, a subject's consents with history.",
                  no_args_is_help=True)
err = Console(stderr=True, highlight=False)


@contextmanager
def _services() -> Iterator[Any]:
    from pii_guard.cli import settings_from_cli, start_services

    services = start_services(settings_from_cli())
    try:
        yield services
    finally:
        services.close()


@app.command("import")
def import_file(
    path: Annotated[Path, typer.Argument(help="CSV (header row) or JSON lines (.jsonl).",
                                         exists=True, dir_okay=False)],
    author: Annotated[str, typer.Option("--as", help="Principal id of the importing steward.")],
    partial: Annotated[bool, typer.Option("--partial", help="Import the good lines even if "
                                          "some are bad (default: all or nothing).")] = False,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or jsonl (default: from "
                                            "the file name).")] = None,
) -> None:
    """Import consents from FILE; prints a JSON report (lines, imported, errors per line).
    Exit 1 when any line was rejected (without --partial nothing was imported)."""
    from pii_guard.cli import reported
    from pii_guard.consent.errors import ImportRejected
    from pii_guard.consent.importer import ImportReport, format_of, import_consents
    from pii_guard.errors import InvalidRequest, PermissionDenied
    from pii_guard.identity.units import load_caller
    from pii_guard.store.engine import transaction

    if fmt not in (None, "csv", "jsonl"):
        raise typer.BadParameter("--format must be csv or jsonl")
    chosen = fmt or format_of(path.name)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        with reported():
            raise InvalidRequest("invalid_encoding", "the file is not UTF-8") from None
    with _services() as services, reported():
        try:
            with transaction(services.session_factory) as session:
                caller = load_caller(session, author)
                if not services.endpoint_guard.allows(caller, "consents:import"):
                    raise PermissionDenied("forbidden", f"{author} may not import consents")
                report = import_consents(session, services.consent, text,
                                         "jsonl" if chosen == "jsonl" else "csv",
                                         partial=partial, caller=caller)
        except ImportRejected as rejected:
            report = ImportReport.rejected(rejected)
    sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
    if report.errors:
        done = "nothing was imported" if not partial else f"{report.imported} imported"
        err.print(f"{len(report.errors)} line(s) rejected; {done}", markup=False)
        raise typer.Exit(1)
    err.print(f"imported {report.imported} consent record(s)", markup=False)


@app.command("show")
def show(subject_id: Annotated[str, typer.Argument(help="The subject's id.")]) -> None:
    """Every consent of SUBJECT with its full history, as JSON (PIPL Art. 44-45)."""
    import datetime as dt

    from pii_guard.audit.events import AuditEvent
    from pii_guard.cli import reported
    from pii_guard.consent import records
    from pii_guard.store.engine import transaction

    with _services() as services, reported(), transaction(services.session_factory) as session:
        now = dt.datetime.now(dt.UTC)
        by_purpose = records.subjects_events(records.history(session, subject_id))
        consents = []
        for state in records.states(session, subject_id):
            active = records.is_active(state, now)
            status = "expired" if state.status == records.GRANTED and not active else state.status
            consents.append({
                "purpose": state.purpose, "status": status, "active": active,
                "categories": state.categories, "separate": state.separate,
                "granted_at": _iso(state.granted_at), "expires_at": _iso(state.expires_at),
                "withdrawn_at": _iso(state.withdrawn_at),
                "history": [_event(e) for e in by_purpose.get(state.purpose, [])]})
        services.audit.record(session, AuditEvent(
            action="consent.read", decision="allowed", reason="shown_by_cli",
            subject_ref=subject_id))
    sys.stdout.write(json.dumps({"subject_id": subject_id, "consents": consents},
                                ensure_ascii=False, indent=2) + "\n")


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def _event(event: Any) -> dict[str, Any]:
    return {"id": event.id, "kind": event.kind, "categories": event.categories,
            "separate": event.separate, "granted_at": _iso(event.granted_at),
            "expires_at": _iso(event.expires_at), "withdrawn_at": _iso(event.withdrawn_at),
            "channel": event.channel, "notice_version": event.notice_version,
            "notice_hash": event.notice_hash, "evidence_ref": event.evidence_ref,
            "recorded_by": event.recorded_by, "recorded_at": _iso(event.recorded_at),
            "source": event.source}
