"""Discovery: find where personal data lives in databases and keep the data inventory.

``reflect`` reads tables, column types and comments; ``sampling`` draws values; ``columns``
decides each column's entity from its name, comment, type and values; ``scanner`` runs a scan
over a database (``spark`` runs a full-table scan on Apache Spark); ``inventory`` stores the
results and compares a re-scan with the previous one; ``connections`` keeps scan credentials
encrypted under the service's key.
"""
