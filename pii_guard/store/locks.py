"""PostgreSQL advisory-lock keys, kept in one place.

Advisory locks share one key space per database, so two features that picked the same key
would block each other (a sequencer leader holding its session lock would stall every policy
change). Every key lives here, and a test checks that they stay distinct.
"""

from __future__ import annotations

MIGRATION = 0x5049_4947  # "PIIG": serialises `db upgrade` across workers starting together
POLICY_WRITE = 0x5049_5057  # "PIPW": serialises access-policy writes (transaction-scoped)
AUDIT_SEQUENCER = 0x5049_4153  # "PIAS": the audit sequencer's leadership (session-scoped)

ALL: dict[str, int] = {
    "migration": MIGRATION,
    "policy_write": POLICY_WRITE,
    "audit_sequencer": AUDIT_SEQUENCER,
}
