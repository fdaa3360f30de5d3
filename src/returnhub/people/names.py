"""Names as a search compares them: accents removed, case folded, punctuation as spaces.

One definition for every place that folds a name (the projection's ``name_folded`` column, written on each
append and by the bulk loader, and the words a person types into a search), so that "Ibrāhīm", "IBRAHIM"
and "ibrahim" are the same word wherever they meet. A database's own ``lower()`` cannot do this: SQLite's
folds only ASCII, and neither database removes accents without an extension.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_A_LETTER = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """``"  Ibrāhīm-Al NOUR "`` -> ``"ibrahim al nour"``: accents off, case folded, words single-spaced.

    Punctuation becomes a space, so the folded text never holds a LIKE pattern's ``%`` or ``_``."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(_NOT_A_LETTER.sub(" ", letters).split())


def folded_name(given_name: str, family_name: str) -> str:
    """The value of the projection's ``name_folded`` column: given and family names, folded, in one text."""
    return fold(f"{given_name} {family_name}")
