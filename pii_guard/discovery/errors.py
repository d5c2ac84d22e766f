"""Errors of discovery.

    DiscoveryError (InvalidRequest, 422)
    ├── InvalidScanTarget       the URL is not a database URL, or names an unknown dialect
    ├── ConnectionNameTaken     409: a stored connection of that name exists
    ├── ScanTargetUnreachable   502-like 422: the scanned database refused or failed
    └── SparkUnavailable        the ``spark`` extra or Java is missing
    ConnectionNotFound (NotFound, 404)
    ScanNotFound (NotFound, 404)

Messages never contain a password or a sampled value: they are built from codes, names and
text passed through ``redact``.
"""

from __future__ import annotations

from pii_guard.errors import Conflict, InvalidRequest, NotFound


class DiscoveryError(InvalidRequest):
    default_code = "discovery_error"


class InvalidScanTarget(DiscoveryError):
    default_code = "invalid_scan_target"


class ConnectionNameTaken(Conflict):
    default_code = "connection_exists"


class ScanTargetUnreachable(DiscoveryError):
    default_code = "scan_target_unreachable"


class SparkUnavailable(DiscoveryError):
    default_code = "spark_unavailable"


class ConnectionNotFound(NotFound):
    default_code = "connection_not_found"


class ScanNotFound(NotFound):
    default_code = "scan_not_found"
