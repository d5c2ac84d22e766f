"""The ``pii-guard`` command. Each concern contributes its own sub-commands; this module only
assembles them and turns errors into one clear line and an exit code."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

import pii_guard
from pii_guard.audit import cli as audit_cli
from pii_guard.authz.cli import policies_app
from pii_guard.config import CONFIG_FILE_ENV, Settings, load_settings
from pii_guard.consent import cli as consent_cli
from pii_guard.detection import cli as detection_cli
from pii_guard.discovery import cli as discovery_cli
from pii_guard.errors import ConfigurationError, PiiGuardError
from pii_guard.masking import cli as masking_cli

app = typer.Typer(
    name="pii-guard",
    help="Personal-information protection for banks and insurers: discover, classify, mask, "
    "authorise and audit access to customer data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Apply or roll back the database schema (Alembic migrations).",
                     no_args_is_help=True)
keys_app = typer.Typer(help="Issue, list and revoke API keys. A key is shown once only.",
                       no_args_is_help=True)
demo_app = typer.Typer(help="The demo organisation for trials and the acceptance scenario.",
                       no_args_is_help=True)
org_app = typer.Typer(help="Organisation units and principals (who may call the service).",
                      no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="api-keys")
app.add_typer(demo_app, name="demo")
app.add_typer(org_app, name="org")
app.add_typer(policies_app, name="policies")
app.add_typer(audit_cli.app, name="audit")
app.command("scan")(discovery_cli.scan)
app.add_typer(discovery_cli.inventory_app, name="inventory")
app.add_typer(discovery_cli.connections_app, name="connections")
app.command("detect")(detection_cli.detect)
app.add_typer(masking_cli.app, name="keys")
app.add_typer(consent_cli.app, name="consent")

err = Console(stderr=True, highlight=False)


def fail(error: PiiGuardError) -> typer.Exit:
    err.print(f"error: {error.code}: {error.message}", markup=False)
    return typer.Exit(2 if isinstance(error, ConfigurationError) else 1)


@contextmanager
def reported() -> Iterator[None]:
    """Deliberate errors become one line on stderr and a non-zero exit."""
    try:
        yield
    except PiiGuardError as error:
        raise fail(error) from None


def settings_from_cli(**overrides: Any) -> Settings:
    with reported():
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def database_label(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    from pii_guard.store.engine import sqlite_path

    path = sqlite_path(settings.database_url)
    if path is not None:
        return str(path)
    return make_url(settings.database_url).render_as_string(hide_password=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pii-guard {pii_guard.__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    config: Annotated[Path | None, typer.Option(
        "--config", help=f"TOML settings file (same as {CONFIG_FILE_ENV}). Environment "
        "variables PII_GUARD_* override it.", exists=True, dir_okay=False)] = None,
) -> None:
    """pii-guard: discover, classify, mask, authorise and audit customer personal data."""
    if config is not None:
        os.environ[CONFIG_FILE_ENV] = str(config.resolve())


def start_services(settings: Settings) -> Any:
    from pii_guard.logs import configure_logging
    from pii_guard.services import Services

    configure_logging(settings)
    with reported():
        return Services.start(settings)


@contextmanager
def running_services(settings: Settings | None = None) -> Iterator[Any]:
    """Services for one command, closed however the command ends; errors reported."""
    services = start_services(settings or settings_from_cli())
    try:
        with reported():
            yield services
    finally:
        services.close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [8000].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [1].")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Also seed the demo organisation and "
                                       "print its API keys.")] = False,
) -> None:
    """Run the HTTP service. With no configuration it uses ./pii-guard.db (SQLite), applies
    migrations and listens on 127.0.0.1:8000; the API docs are at /docs."""
    import uvicorn

    from pii_guard.api.app import create_app

    settings = settings_from_cli(host=host, port=port, workers=workers)
    services = start_services(settings)
    err.print(f"database: {database_label(settings)}", markup=False)
    if demo or settings.demo:
        _print_demo_keys(_seed_demo(services))
    err.print(f"listening on http://{settings.host}:{settings.port} "
              f"(docs: http://{settings.host}:{settings.port}/docs)", markup=False)
    if settings.workers == 1:
        uvicorn.run(create_app(settings, services), host=settings.host, port=settings.port,
                    log_config=None, access_log=False, server_header=False)
        services.close()
        return
    services.close()
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="pii-guard-metrics-"))
    uvicorn.run("pii_guard.api.app:create_app", factory=True, host=settings.host,
                port=settings.port, workers=settings.workers, log_config=None, access_log=False,
                server_header=False)


@app.command()
def openapi(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file "
                                                "instead of stdout.")] = None,
) -> None:
    """Print the HTTP contract (OpenAPI 3.1) generated from the application. The checked-in
    api/openapi.json is this output; a test keeps them equal."""
    from pii_guard.api.app import create_app

    text = openapi_text(create_app(Settings()).openapi())
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}", markup=False)


def openapi_text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from pii_guard.store import migrate
    from pii_guard.store.engine import make_engine

    settings = settings_from_cli()
    engine = make_engine(settings.database_url)
    try:
        migrate.upgrade(engine, revision)
        err.print(f"{database_label(settings)}: at {migrate.current_revision(engine)}",
                  markup=False)
    finally:
        engine.dispose()


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")],
) -> None:
    """Roll the schema back to REVISION (`-1` for one step, `base` for empty). Data in the
    dropped tables is lost."""
    from pii_guard.store import migrate
    from pii_guard.store.engine import make_engine

    settings = settings_from_cli()
    engine = make_engine(settings.database_url)
    try:
        migrate.downgrade(engine, revision)
        err.print(f"{database_label(settings)}: at {migrate.current_revision(engine)}",
                  markup=False)
    finally:
        engine.dispose()


@db_app.command("current")
def db_current() -> None:
    """Print the revision the database is at, and the newest one available."""
    from pii_guard.store import migrate
    from pii_guard.store.engine import make_engine

    engine = make_engine(settings_from_cli().database_url)
    try:
        typer.echo(f"current: {migrate.current_revision(engine)}\nhead: {migrate.head_revision()}")
    finally:
        engine.dispose()


def _seed_demo(services: Any) -> dict[str, str]:
    from pii_guard.identity.bootstrap import seed_demo
    from pii_guard.store.engine import transaction

    with reported(), transaction(services.session_factory) as session:
        keys: dict[str, str] = seed_demo(session, services.hasher)
    return keys


def _print_demo_keys(keys: dict[str, str]) -> None:
    err.print("demo API keys (principal: key):", markup=False)
    for name, key in keys.items():
        err.print(f"  {name}: {key}", markup=False)


@demo_app.command("seed")
def demo_seed(
    keys_out: Annotated[Path | None, typer.Option("--keys-out", help="Write the demo keys as "
                                                  "JSON {principal: key} to this file.")] = None,
) -> None:
    """Create the demo organisation (units head-office > shanghai-branch, seven principals) and
    their API keys. Idempotent: running it again changes nothing and gives the same keys."""
    with running_services() as services:
        keys = _seed_demo(services)
    if keys_out is None:
        _print_demo_keys(keys)
        return
    fd = os.open(keys_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(keys, handle, indent=2)
        handle.write("\n")
    err.print(f"wrote {len(keys)} demo keys to {keys_out}", markup=False)


@keys_app.command("create")
def keys_create(
    principal: Annotated[str, typer.Option("--principal", "-p", help="Principal id.")],
    label: Annotated[str, typer.Option(help="Free text to recognise the key by.")] = "",
    expires_in_days: Annotated[float | None, typer.Option(help="Expire after this many "
                                                          "days.")] = None,
) -> None:
    """Issue a key for PRINCIPAL and print it once (stdout). Only its hash is stored."""
    from pii_guard.audit.events import AuditEvent
    from pii_guard.identity import apikeys
    from pii_guard.store.engine import transaction

    with running_services() as services, transaction(services.session_factory) as session:
        issued = apikeys.create_key(session, services.hasher, principal, label=label,
                                    expires_in_days=expires_in_days)
        services.audit.record(session, AuditEvent(
            action="api_key.create", decision="allowed", reason="issued_by_cli",
            details={"key_prefix": issued.prefix, "for_principal": principal}))
    typer.echo(issued.secret)
    err.print(f"prefix {issued.prefix}; store the key now, it cannot be shown again",
              markup=False)


@keys_app.command("list")
def keys_list(
    principal: Annotated[str | None, typer.Option("--principal", "-p")] = None,
    prefix: Annotated[str | None, typer.Option(help="Only keys whose prefix starts so.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")
                       ] = False,
) -> None:
    """List keys by prefix, principal, dates and state; never the keys themselves."""
    from pii_guard.identity import apikeys
    from pii_guard.store.engine import transaction

    with running_services() as services, transaction(services.session_factory) as session:
        infos = apikeys.list_keys(session, principal, prefix)
    rows = [{"prefix": info.prefix, "principal": info.principal_id, "label": info.label,
             "created_at": info.created_at.isoformat(timespec="seconds"),
             "expires_at": info.expires_at.isoformat(timespec="seconds")
             if info.expires_at else None,
             "state": "revoked" if info.revoked_at else ("active" if info.active else "expired")}
            for info in infos]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = Table("prefix", "principal", "label", "created", "expires", "state")
    for row in rows:
        table.add_row(*(str(row[key] or "") for key in
                        ("prefix", "principal", "label", "created_at", "expires_at", "state")))
    Console(width=max(120, Console().width)).print(table)


@keys_app.command("revoke")
def keys_revoke(prefix: Annotated[str, typer.Argument(help="The key's prefix (pgk_...).")]) -> None:
    """Revoke the key with PREFIX; it stops working within the auth cache time (2 s)."""
    from pii_guard.audit.events import AuditEvent
    from pii_guard.identity import apikeys
    from pii_guard.store.engine import transaction

    with running_services() as services, transaction(services.session_factory) as session:
        apikeys.revoke_key(session, prefix)
        services.audit.record(session, AuditEvent(
            action="api_key.revoke", decision="allowed", reason="revoked_by_cli",
            details={"key_prefix": prefix}))
    err.print(f"revoked {prefix}", markup=False)


@org_app.command("add-unit")
def org_add_unit(
    code: Annotated[str, typer.Argument(help="Unit code, e.g. beijing-branch.")],
    name: Annotated[str, typer.Argument(help="Display name.")],
    parent: Annotated[str | None, typer.Option(help="Code of the parent unit.")] = None,
) -> None:
    """Add an organisation unit under PARENT (none for a root such as head-office)."""
    from pii_guard.identity.units import ensure_unit
    from pii_guard.store.engine import transaction

    with running_services() as services, transaction(services.session_factory) as session:
        path = ensure_unit(session, code, name, parent).path
    err.print(f"unit {path}", markup=False)


@org_app.command("add-principal")
def org_add_principal(
    principal_id: Annotated[str, typer.Argument(help="Principal id, e.g. core-banking.")],
    unit: Annotated[str, typer.Option(help="Organisation unit code.")],
    role: Annotated[list[str], typer.Option(help="A role (repeat for several).")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    kind: Annotated[str, typer.Option(help="system or person.")] = "system",
) -> None:
    """Create or update a principal with exactly these roles in UNIT."""
    from pii_guard.identity.units import ensure_principal
    from pii_guard.store.engine import transaction

    with running_services() as services, transaction(services.session_factory) as session:
        ensure_principal(session, principal_id, display_name=name or principal_id,
                         unit_code=unit, roles=role, kind=kind)
    err.print(f"principal {principal_id}: {', '.join(sorted(role))} in {unit}", markup=False)


def main() -> None:
    try:
        app()
    except ConfigurationError as error:  # raised while settings load in a callback
        raise SystemExit(fail(error).exit_code) from None


if __name__ == "__main__":
    main()
