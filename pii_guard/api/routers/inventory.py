"""The data inventory: where personal data lives, by system, schema, table and column.

Readers (data stewards, auditors, admins) list and filter the current inventory or one scan
run's columns, and export them as JSON or CSV. Rows carry decisions and evidence, never values.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from pii_guard.api.deps import SessionDep, require
from pii_guard.api.schemas import ERROR_RESPONSES
from pii_guard.discovery import export, inventory
from pii_guard.identity.caller import Caller

router = APIRouter(prefix="/v1/inventory", tags=["discovery"], responses=ERROR_RESPONSES)

ReadInventory = Annotated[Caller, Depends(require("inventory:read"))]
Tier = Literal["C1", "C2", "C3"]


class InventoryColumnOut(BaseModel):
    system: str
    schema_: str = Field(alias="schema", serialization_alias="schema")
    table: str
    column: str
    data_type: str
    comment: str | None
    entity: str | None = Field(description="Canonical entity, or null: no personal data.")
    category: str | None
    tier: Tier | None
    confidence: float
    run_id: str
    evidence: dict[str, Any]


class InventoryPage(BaseModel):
    columns: list[InventoryColumnOut]
    limit: int
    offset: int


class Filters(BaseModel):
    system: str | None = Field(None, max_length=200)
    schema_: str | None = Field(None, alias="schema", max_length=200)
    table: str | None = Field(None, max_length=200)
    entity: str | None = Field(None, max_length=64)
    tier: Tier | None = None
    personal_only: bool = Field(False, description="Only columns holding personal data.")
    run_id: str | None = Field(None, max_length=32,
                               description="One scan run's columns instead of the current "
                               "inventory.")

    def where(self) -> inventory.InventoryFilter:
        return inventory.InventoryFilter(
            system=self.system, schema=self.schema_, table=self.table, entity=self.entity,
            tier=self.tier, personal_only=self.personal_only, run_id=self.run_id)


FiltersDep = Annotated[Filters, Query()]


@router.get("", response_model=InventoryPage, response_model_by_alias=True,
            summary="List inventory columns")
def list_inventory(
    _caller: ReadInventory,
    session: SessionDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> InventoryPage:
    """The current inventory (per system and schema, the newest completed scan), or one run's
    columns, filtered by system, schema, table, entity, tier."""
    rows = inventory.columns(session, filters.where(), limit=limit, offset=offset)
    return InventoryPage(columns=[InventoryColumnOut.model_validate(export.row_dict(row))
                                  for row in rows], limit=limit, offset=offset)


@router.get("/export", summary="Export the inventory as JSON or CSV",
            responses={200: {"content": {"application/json": {}, "text/csv": {}},
                             "description": "The inventory file."}})
def export_inventory(
    _caller: ReadInventory,
    session: SessionDep,
    filters: FiltersDep,
    format: Annotated[Literal["json", "csv"], Query(description="File format.")] = "json",
) -> Response:
    """Every matching column (no paging), as a download."""
    rows = inventory.columns(session, filters.where())
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    if format == "csv":
        body, media = export.to_csv(rows), "text/csv; charset=utf-8"
    else:
        body, media = export.to_json(rows), "application/json"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="inventory-{stamp}.{format}"'})
