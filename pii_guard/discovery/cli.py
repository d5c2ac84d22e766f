"""``pii-guard scan``, ``pii-guard inventory ...`` and ``pii-guard connections ...``.

A scan shows a progress bar of tables done; Ctrl-C stops it and still writes what was done
(``"complete": false``) to ``--output`` and to the inventory, then exits with status 130.
Passwords never reach the terminal, the log or the inventory: prefer stored connections
(``connections add``, which prompts for the URL) to URLs on the command line, which other
local users can see in the process list.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pii_guard.discovery.model import ColumnResult, ScanResult, TableInfo

inventory_app = typer.Typer(help="The data inventory: list, export, scan runs and changes.",
                            no_args_is_help=True)
connections_app = typer.Typer(help="Stored scan connections (URLs kept encrypted).",
                              no_args_is_help=True)
err = Console(stderr=True, highlight=False)
INTERRUPTED_EXIT = 130


class BarProgress:
    """A rich progress bar of tables done (on stderr)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task = progress.add_task("scanning", total=None)

    def started(self, tables_total: int) -> None:
        self._progress.update(self._task, total=tables_total)

    def table_done(self, table: TableInfo, results: Sequence[ColumnResult],
                   error: str | None) -> None:
        self._progress.update(self._task, advance=1, description=table.qualified[:40])


def _write_output(path: Path, result: ScanResult) -> None:
    text = json.dumps(result.to_output(), ensure_ascii=False, indent=2) + "\n"
    if str(path) == "-":
        sys.stdout.write(text)
    else:
        path.write_text(text, encoding="utf-8")


def _summary(result: ScanResult) -> str:
    tiers = ", ".join(f"{tier}: {count}" for tier, count in sorted(result.tier_counts().items(),
                                                                   reverse=True)) or "none"
    personal = sum(1 for c in result.columns if c.decision.entity)
    state = "complete" if result.complete else "INTERRUPTED (partial result)"
    return (f"{result.system}: {result.tables_done}/{result.tables_total} tables, "
            f"{len(result.columns)} columns, {personal} personal ({tiers}); {state}")


def scan(
    url: Annotated[str | None, typer.Argument(help="SQLAlchemy URL of the database to scan "
                                              "(or use --connection / --parquet).")] = None,
    connection: Annotated[str | None, typer.Option(help="A stored connection's name.")] = None,
    schema: Annotated[list[str] | None, typer.Option(
        "--schema", help="Schema to scan (repeat; default: all non-system schemas).")] = None,
    sample: Annotated[int | None, typer.Option(help="Rows sampled per table [200].")] = None,
    engine: Annotated[str, typer.Option(help="local (sample) or spark (every row).")] = "local",
    output: Annotated[Path | None, typer.Option(help="Write the result as JSON to this file "
                                                "(- for stdout).")] = None,
    system: Annotated[str | None, typer.Option(help="Inventory system name.")] = None,
    store: Annotated[bool, typer.Option(help="Store the result in the inventory.")] = True,
    timeout: Annotated[float | None, typer.Option(help="Seconds per table query [30].")] = None,
    spark_master: Annotated[str | None, typer.Option(help="Spark master [local[*]].")] = None,
    parquet: Annotated[Path | None, typer.Option(help="Scan Parquet datasets in this directory "
                                                 "(with --engine spark).", exists=True,
                                                 file_okay=False)] = None,
) -> None:
    """Find which columns hold which personal data, at which tier; store them in the
    inventory and print what changed since the previous scan of the same system."""
    from pii_guard import cli as main

    if engine not in ("local", "spark"):
        raise typer.BadParameter("local or spark", param_hint="--engine")
    if parquet is not None and engine != "spark":
        raise typer.BadParameter("Parquet files are scanned with --engine spark",
                                 param_hint="--parquet")
    if sum(x is not None for x in (url, connection, parquet)) != 1:
        raise typer.BadParameter("give one of URL, --connection or --parquet")
    settings = main.settings_from_cli()
    services = main.start_services(settings) if store or connection else None
    if services is None:
        from pii_guard.logs import configure_logging

        configure_logging(settings)
    try:
        with main.reported():
            code = _scan(services, settings, url, connection, parquet, tuple(schema or ()),
                         sample, engine, output, system, timeout, spark_master)
    finally:
        if services is not None:
            services.close()
    raise typer.Exit(code)


def _scan(services: Any, settings: Any, url: str | None, connection: str | None,
          parquet: Path | None, schemas: tuple[str, ...], sample: int | None,
          engine: Literal["local", "spark"] | str, output: Path | None, system: str | None,
          timeout: float | None, spark_master: str | None) -> int:
    from pii_guard.discovery import inventory
    from pii_guard.discovery.scanner import ScanOptions
    from pii_guard.discovery.service import DiscoveryService, ScanEngine, ScanTarget
    from pii_guard.store.engine import transaction

    discovery: DiscoveryService | None = services.discovery if services is not None else None
    engine_ = discovery.engine if discovery is not None else ScanEngine(settings.spark_master)
    if spark_master:
        engine_.spark_master = spark_master
    if parquet is not None:
        target = ScanTarget("", f"parquet:{parquet}", system or f"parquet:{parquet.name}")
    elif discovery is not None:
        with transaction(services.session_factory) as session:
            target = discovery.target(session, url=url, connection=connection, system=system)
    else:
        from pii_guard.discovery.connections import check_url
        from pii_guard.discovery.redact import display_url
        from pii_guard.discovery.service import default_system

        assert url is not None
        check_url(url)
        target = ScanTarget(url, display_url(url), system or default_system(url))
    options = ScanOptions(system=target.system, schemas=schemas,
                          sample_size=settings.scan_sample_size if sample is None else sample,
                          table_timeout=timeout or settings.scan_table_timeout, engine=engine)
    run_id = None
    if services is not None:
        with transaction(services.session_factory) as session:
            run_id = inventory.open_run(session, system=target.system, source=target.source,
                                        engine=engine, schemas=schemas,
                                        sample_size=options.sample_size,
                                        connection_name=target.connection_name).id
    result = ScanResult(system=target.system, engine=engine)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err, transient=False)
    # Ctrl-C before the first table leaves the empty, incomplete result above.
    with bar, contextlib.suppress(KeyboardInterrupt):
        result = _run(engine_, target, options, parquet, BarProgress(bar))
    if output is not None:
        _write_output(output, result)
    err.print(_summary(result), markup=False)
    if discovery is not None and run_id is not None:
        state = "completed" if result.complete else "interrupted"
        changes = discovery.finish(run_id, result, state=state)
        if changes is not None:
            _print_changes(changes.to_dict())
        err.print(f"scan run {run_id}", markup=False)
    for line in result.errors:
        err.print(f"table error: {line}", markup=False)
    return 0 if result.complete else INTERRUPTED_EXIT


def _run(engine: Any, target: Any, options: Any, parquet: Path | None,
         progress: BarProgress) -> ScanResult:
    if parquet is None:
        result: ScanResult = engine.run(target, options, progress)
        return result
    from pii_guard.discovery.spark.runner import SparkScanner

    spark = SparkScanner(engine.scanner, engine.spark_master)
    try:
        return spark.scan_parquet(parquet, options, progress)
    finally:
        spark.close()


def _print_changes(changes: dict[str, Any]) -> None:
    if changes["previous_run_id"] is None:
        err.print("first completed scan of this system: every personal column is new",
                  markup=False)
    labels = {"new_personal": "new personal column", "tier_raised": "tier raised",
              "tier_lowered": "tier lowered", "entity_changed": "entity changed",
              "no_longer_personal": "no longer personal", "disappeared": "disappeared"}
    for kind, label in labels.items():
        for change in changes[kind]:
            where = f"{change['schema']}.{change['table']}.{change['column']}"
            was = f"{change.get('was_entity')}/{change.get('was_tier')}" \
                if change.get("was_entity") else "-"
            now = f"{change.get('entity')}/{change.get('tier')}" if change.get("entity") else "-"
            err.print(f"{label}: {where} ({was} -> {now})", markup=False)


# -- inventory ---------------------------------------------------------------------------------

Format = Literal["json", "csv"]


@inventory_app.command("export")
def inventory_export(
    format: Annotated[str, typer.Option("--format", help="json or csv.")] = "json",
    output: Annotated[Path | None, typer.Option(help="File to write (default: stdout).")] = None,
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    entity: Annotated[str | None, typer.Option(help="Only this entity.")] = None,
    tier: Annotated[str | None, typer.Option(help="Only this tier (C1, C2, C3).")] = None,
    personal_only: Annotated[bool, typer.Option(help="Only personal columns.")] = False,
    run: Annotated[str | None, typer.Option(help="One scan run instead of the current "
                                            "inventory.")] = None,
) -> None:
    """Export the current inventory (or one run) as JSON or CSV."""
    from pii_guard import cli as main
    from pii_guard.discovery import export, inventory
    from pii_guard.store.engine import transaction

    if format not in ("json", "csv"):
        raise typer.BadParameter("json or csv", param_hint="--format")
    where = inventory.InventoryFilter(system=system, entity=entity, tier=tier,
                                      personal_only=personal_only, run_id=run)
    with main.running_services() as services, \
            transaction(services.session_factory) as session:
        rows = inventory.columns(session, where)
        text = export.to_csv(rows) if format == "csv" else export.to_json(rows)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(rows)} columns to {output}", markup=False)


@inventory_app.command("runs")
def inventory_runs(system: Annotated[str | None, typer.Option(help="Only this system.")] = None
                   ) -> None:
    """List scan runs, newest first."""
    from pii_guard import cli as main
    from pii_guard.discovery import inventory
    from pii_guard.store.engine import transaction

    with main.running_services() as services, \
            transaction(services.session_factory) as session:
        runs = inventory.list_runs(session, system)
        table = Table("id", "system", "engine", "state", "tables", "columns", "started")
        for r in runs:
            table.add_row(r.id, r.system, r.engine, r.state, f"{r.tables_done}/{r.tables_total}",
                          str(r.columns_done), r.started_at.isoformat(timespec="seconds"))
    Console(width=max(140, Console().width)).print(table)


@inventory_app.command("changes")
def inventory_changes(run: Annotated[str, typer.Argument(help="Scan run id.")]) -> None:
    """What RUN changed compared with the previous completed run of its system (JSON)."""
    from pii_guard import cli as main
    from pii_guard.discovery.diff import diff_run
    from pii_guard.store.engine import transaction

    with main.running_services() as services, \
            transaction(services.session_factory) as session:
        changes = diff_run(session, run).to_dict()
    typer.echo(json.dumps(changes, ensure_ascii=False, indent=2))


# -- connections -------------------------------------------------------------------------------

@connections_app.command("add")
def connections_add(
    name: Annotated[str, typer.Argument(help="Connection name (a-z 0-9 _ . -).")],
    url: Annotated[str | None, typer.Argument(help="SQLAlchemy URL; omit to be prompted "
                                              "(keeps it out of the process list).")] = None,
) -> None:
    """Store a scan connection; the URL is encrypted under the service's key."""
    from pii_guard import cli as main
    from pii_guard.audit.events import AuditEvent
    from pii_guard.store.engine import transaction

    secret = url if url is not None else typer.prompt("database URL", hide_input=True)
    with main.running_services() as services, \
            transaction(services.session_factory) as session:
        info = services.discovery.connections.add(session, name, secret, None)
        services.audit.record(session, AuditEvent(
            action="connection.add", decision="allowed", reason="stored_by_cli",
            details={"name": info.name, "backend": info.backend}))
    err.print(f"stored connection {info.name}: {info.display}", markup=False)


@connections_app.command("list")
def connections_list() -> None:
    """Stored connections: names and URLs without passwords."""
    from pii_guard import cli as main
    from pii_guard.store.engine import transaction

    with main.running_services() as services, \
            transaction(services.session_factory) as session:
        for info in services.discovery.connections.list(session):
            typer.echo(f"{info.name}\t{info.display}")


@connections_app.command("remove")
def connections_remove(name: Annotated[str, typer.Argument(help="Connection name.")]) -> None:
    """Delete a stored connection."""
    from pii_guard import cli as main
    from pii_guard.audit.events import AuditEvent
    from pii_guard.store.engine import transaction

    with main.running_services() as services, \
            transaction(services.session_factory) as session:
        services.discovery.connections.remove(session, name)
        services.audit.record(session, AuditEvent(
            action="connection.remove", decision="allowed", reason="removed_by_cli",
            details={"name": name}))
    err.print(f"removed connection {name}", markup=False)
