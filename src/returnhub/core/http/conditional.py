"""ETag and If-Match for versioned records (a user, a transfer, a case): one parser for every router.

The ETag of a record is its version in quotes (``"3"``). A client sends it back as ``If-Match`` with an
update; the service compares it with the record's current version. A value that is not an ETag we could
have served is refused with 412 here; a well-formed but stale one is the service's to judge (412 for an
account, 409 for a case or transfer, as their interfaces say).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header, Response

from returnhub.core.errors import PreconditionFailed

IfMatch = Annotated[
    str | None,
    Header(
        description='The version you last read: the ETag of your last GET, e.g. "3" (`*` for any version).'
    ),
]

# A strong or weak entity tag holding a version number; whitespace around it is tolerated.
_VERSION_TAG = re.compile(r'\s*(?:W/)?(?:"(\d{1,18})"|(\d{1,18}))\s*')


def if_match_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header names, None when absent or ``*`` (412 when malformed)."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = _VERSION_TAG.fullmatch(if_match)
    if found is None:
        raise PreconditionFailed('If-Match must be the ETag you read, e.g. "3"')
    return int(found.group(1) or found.group(2))


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)
