"""The plain-words check the browser test runs over the text of every page it visits (issue 14)."""

from __future__ import annotations

import re

import pycountry

#: Code a person should never read: snake_case words, Python reprs, an HTTP method with a path.
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
_REPR = re.compile(r"\[\'|\{\'|\bTrue\b|\bFalse\b|\bNone\b")
_HTTP = re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE|HEAD) /")
#: A three-letter code standing alone (not inside a reference such as GBR-MKD-ILLUSTRATIVE).
_ISO3 = re.compile(r"(?<![\w-])[A-Z]{3}(?![\w-])")
_COUNTRY_CODES = frozenset(c.alpha_3 for c in pycountry.countries)


def plain_words_problems(text: str) -> list[str]:
    """What in a page's text is code rather than words (the issue-14 check over every page visited)."""
    found = [f"snake_case {m}" for m in _SNAKE.findall(text)]
    found += [f"Python value {m}" for m in _REPR.findall(text)]
    found += [f"HTTP path {m}" for m in _HTTP.findall(text)]
    found += [f"bare country code {m}" for m in _ISO3.findall(text) if m in _COUNTRY_CODES]
    return found
