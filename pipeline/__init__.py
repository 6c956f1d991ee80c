"""SFIA translation QA pipeline: ingest, align, drift, score, check, report."""

__version__ = "0.1.0"
