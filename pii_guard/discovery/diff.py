"""What a re-scan changed compared with the previous completed run of the same system.

A complete run is compared over the schemas it scanned (a dropped table's columns count as
disappeared); a partial run only over the tables it finished. Changes are reported by column
location with entities and tiers, never values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pii_guard.discovery.inventory import TIER_RANK, get_run
from pii_guard.store.models.discovery import InventoryColumn, ScanRun

Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class ColumnState:
    entity: str | None
    tier: str | None


@dataclass
class InventoryDiff:
    run_id: str
    previous_run_id: str | None
    new_personal: list[dict[str, Any]] = field(default_factory=list)
    tier_raised: list[dict[str, Any]] = field(default_factory=list)
    tier_lowered: list[dict[str, Any]] = field(default_factory=list)
    entity_changed: list[dict[str, Any]] = field(default_factory=list)
    no_longer_personal: list[dict[str, Any]] = field(default_factory=list)
    disappeared: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any((self.new_personal, self.tier_raised, self.tier_lowered,
                    self.entity_changed, self.no_longer_personal, self.disappeared))

    def summary(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in CHANGE_KINDS}

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "previous_run_id": self.previous_run_id,
                **{name: getattr(self, name) for name in CHANGE_KINDS}}


CHANGE_KINDS = ("new_personal", "tier_raised", "tier_lowered", "entity_changed",
                "no_longer_personal", "disappeared")


def previous_run(session: Session, run: ScanRun) -> ScanRun | None:
    query = (select(ScanRun)
             .where(ScanRun.system == run.system, ScanRun.complete.is_(True),
                    ScanRun.id != run.id, ScanRun.started_at < run.started_at)
             .order_by(ScanRun.started_at.desc()).limit(1))
    return session.scalars(query).first()


def _states(session: Session, run_id: str) -> dict[Key, ColumnState]:
    rows = session.execute(select(InventoryColumn.schema_name, InventoryColumn.table_name,
                                  InventoryColumn.column_name, InventoryColumn.entity,
                                  InventoryColumn.tier)
                           .where(InventoryColumn.run_id == run_id))
    return {(s, t, c): ColumnState(e, tier) for s, t, c, e, tier in rows}


def _where(key: Key) -> dict[str, str]:
    return {"schema": key[0], "table": key[1], "column": key[2]}


def diff_run(session: Session, run_id: str) -> InventoryDiff:
    run = get_run(session, run_id)
    now = _states(session, run_id)
    previous = previous_run(session, run)
    result = InventoryDiff(run_id, previous.id if previous else None)
    before = _states(session, previous.id) if previous else {}
    if run.complete:
        schemas = set(run.schemas) or {key[0] for key in now}
        in_scope = {key for key in before if key[0] in schemas}
    else:
        tables = {key[:2] for key in now}
        in_scope = {key for key in before if key[:2] in tables}
    for key, state in sorted(now.items()):
        old = before.get(key)
        if state.entity is not None and (old is None or old.entity is None):
            result.new_personal.append({**_where(key), "entity": state.entity,
                                        "tier": state.tier})
        elif old is not None and old.entity is not None and state.entity is None:
            result.no_longer_personal.append({**_where(key), "was_entity": old.entity,
                                              "was_tier": old.tier})
        elif old is not None and state.entity is not None and old.entity is not None:
            rank_now = TIER_RANK.get(state.tier or "", 0)
            rank_old = TIER_RANK.get(old.tier or "", 0)
            change = {**_where(key), "entity": state.entity, "tier": state.tier,
                      "was_entity": old.entity, "was_tier": old.tier}
            if rank_now > rank_old:
                result.tier_raised.append(change)
            elif rank_now < rank_old:
                result.tier_lowered.append(change)
            elif state.entity != old.entity:
                result.entity_changed.append(change)
    for key in sorted(in_scope - set(now)):
        old = before[key]
        result.disappeared.append({**_where(key), "was_entity": old.entity, "was_tier": old.tier})
    return result
