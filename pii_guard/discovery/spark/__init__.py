"""Full-table scans on Apache Spark (``pii-guard scan --engine spark``), for tables too large to
read on one machine and free-text columns that hold identifiers in only a few rows.

``runner`` plans the work on the driver (reflection, partitions) and decides columns with the
same judge as a sample scan; ``tasks`` is what runs in the executors: read a partition, run the
detection engine on every value, return mergeable per-column counters. Needs the ``spark``
extra (``pip install 'pii-guard[spark]'``) and Java 17.
"""
