"""``pii-guard keys``: list, rotate and shred the data keys behind tokens and hashes.

Every operation is an audit event (keys.rotate, keys.shred_subject) written in the same
transaction as the change. Key material is never printed.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Data keys for tokens and hashes: list, rotate, shred a subject's key.",
                  no_args_is_help=True)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


@app.command("list")
def list_keys() -> None:
    """Every data key version of the tenant, its state, and the subject key counts."""
    from pii_guard.cli import running_services

    with running_services() as services:
        keys = services.treatments.keys
        keys.check()
        table = Table("purpose", "version", "state", "created_at", "created_by")
        for info in keys.versions():
            table.add_row(info.purpose, str(info.version), info.state, info.created_at,
                          info.created_by or "-")
        live, shredded = keys.subject_count()
    out.print(table)
    out.print(f"subject keys: {live} live, {shredded} shredded", markup=False)


@app.command("rotate")
def rotate(reason: Annotated[str, typer.Option(help="Why (kept in the audit event).")]
           = "scheduled_rotation") -> None:
    """New token key version for new tokens; older versions stay for detokenisation; every
    subject key is re-wrapped under the new version. Hash keys are not rotated (hashes must
    stay comparable)."""
    from pii_guard.cli import running_services

    with running_services() as services:
        result = services.treatments.keys.rotate(reason=reason)
    err.print(f"token key version {result.version} active; {result.rewrapped} subject keys "
              f"re-wrapped in {result.seconds:.2f} s", markup=False)


@app.command("shred-subject")
def shred_subject(
    subject: Annotated[str, typer.Argument(help="The data subject's reference.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit event).")]
    = "subject_erasure",
) -> None:
    """Destroy the subject's key: every token bound to the subject becomes unrecoverable."""
    from pii_guard.cli import running_services

    with running_services() as services:
        shredded = services.treatments.keys.shred_subject(subject, reason=reason)
    if not shredded:
        err.print("no live key for this subject (never tokenised, or already shredded)",
                  markup=False)
        raise typer.Exit(1)
    err.print("subject key destroyed; its tokens can no longer be detokenised", markup=False)
