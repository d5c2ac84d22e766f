"""Generated audit events for the benchmark: realistic shapes, no personal values."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

ACTIONS = (["classify"] * 12 + ["classify_and_mask"] * 5 + ["detokenise"]
           + ["policy.change", "grant.approve", "consent.change", "key.rotate", "scan.run",
              "auth.login"])
PURPOSES = ["customer_service", "claims_handling", "marketing", "aml_review", "risk_control",
            "credit_review", "complaint_handling", "regulatory_reporting"]
ENTITIES = ["CN_RESIDENT_ID", "CN_MOBILE", "PERSON", "CN_BANK_CARD", "EMAIL_ADDRESS",
            "CN_ADDRESS", "CN_PASSPORT", "CVV"]
TIER_OF = {"CN_RESIDENT_ID": "C2", "CN_MOBILE": "C2", "PERSON": "C2", "CN_BANK_CARD": "C2",
           "EMAIL_ADDRESS": "C2", "CN_ADDRESS": "C2", "CN_PASSPORT": "C2", "CVV": "C3"}
TREATMENTS = ["clear", "mask", "token", "hash", "redact"]
UNITS = ["head-office", "shanghai-branch", "beijing-branch", "shenzhen-branch"]
ROLES = ["customer_service", "claims_adjuster", "marketing", "data_steward", "auditor"]


class EventFactory:
    def __init__(self, seed: int = 7, principals: int = 200, subjects: int = 1_000_000) -> None:
        self.random = random.Random(seed)
        self.principals = [f"svc-{i:03d}" for i in range(principals)]
        self.subjects = subjects

    def subject(self) -> str:
        return f"cust-{self.random.randrange(self.subjects):07d}"

    def principal(self) -> str:
        return self.random.choice(self.principals)

    def event(self, occurred_at: dt.datetime) -> dict[str, Any]:
        r = self.random
        entities = sorted(set(r.sample(ENTITIES, r.randint(1, 3))))
        denied = r.random() < 0.03
        return {
            "id": uuid.UUID(int=r.getrandbits(128), version=4).hex,
            "occurred_at": occurred_at,
            "action": r.choice(ACTIONS),
            "decision": "denied" if denied else "allowed",
            "reason": "policy_denied" if denied else "policy_allowed",
            "principal_id": self.principal(),
            "roles": [r.choice(ROLES)],
            "unit_code": r.choice(UNITS),
            "purpose": r.choice(PURPOSES),
            "subject_ref": self.subject(),
            "fields": [f"customer.{e.lower()}" for e in entities],
            "entities": entities,
            "tiers": sorted({TIER_OF[e] for e in entities}),
            "treatments": [r.choice(TREATMENTS) for _ in entities],
            "request_id": uuid.UUID(int=r.getrandbits(128), version=4).hex,
            "client_addr": f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}",
            "details": {},
        }
