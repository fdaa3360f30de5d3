"""The EU rule pack: its rules (``rules.py``), the research rules it does not code with their reasons
(``exclusions.py``) and the pack that gathers them with its dated parameters (``pack.py``, the YAML files
beside it)."""

from returnhub.safeguards.packs.eu.exclusions import EXCLUSIONS
from returnhub.safeguards.packs.eu.pack import build
from returnhub.safeguards.packs.eu.rules import DERIVED, RULES

__all__ = ["DERIVED", "EXCLUSIONS", "RULES", "build"]
