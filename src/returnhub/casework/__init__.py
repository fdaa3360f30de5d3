"""Casework: the legal event catalogue, the event store, the fold and the case projection."""
