"""Aggregate statistics of the scheme: counts of people by year, outcome, hub and rule, never lists of people.

``service`` holds the staff page's tables, read from the counts ``aggregates`` keeps up to date with every
write (``models``: their tables); ``charts`` names the published charts and renders each one as SVG, CSV and
XLSX; ``tables`` is the catalogue of published tables (counted per event); ``exports`` and ``pdf`` write
them; ``router`` and ``cli`` are the API and the command line. See docs/statistics.md.
"""
