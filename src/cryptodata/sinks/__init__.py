"""Sinks: where tables are stored, idempotently, for resumable pipelines."""
