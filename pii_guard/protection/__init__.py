"""The main path: one classify-and-mask call, from detection to the audited answer.

``Protector`` joins detection, classification, the decider (policy and grants), consent and
the treatments; the API records its event durably before answering (audit-before-release).
"""

from pii_guard.protection.errors import ConsentRefused, DetokenizeRefused, PurposeRefused
from pii_guard.protection.service import Protected, ProtectedFinding, Protector

__all__ = ["ConsentRefused", "DetokenizeRefused", "Protected", "ProtectedFinding", "Protector",
           "PurposeRefused"]
