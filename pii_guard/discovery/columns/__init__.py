"""Deciding what a column holds: knowledge (``classifiers/columns.yaml``), reading names and
comments as phrases, and the judge that weighs names, comments, types and values."""
