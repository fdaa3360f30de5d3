"""Aggregate statistics of the scheme: counts of people by year, outcome, hub and rule, never lists of people.

``service`` holds the queries (one function per table, aggregated in SQL on the case projection);
``charts`` names the published charts and renders each one as SVG, CSV and XLSX.
"""
