"""The one If-Match parser shared by the account, transfer and case routers."""

from __future__ import annotations

import pytest

from returnhub.core.errors import PreconditionFailed
from returnhub.core.http.conditional import etag, if_match_version


@pytest.mark.parametrize(
    ("header", "version"),
    [(None, None), ("*", None), ('"3"', 3), ('W/"3"', 3), (" 12 ", 12), ('"0"', 0)],
)
def test_reads_the_version_of_an_etag(header: str | None, version: int | None) -> None:
    assert if_match_version(header) == version


@pytest.mark.parametrize("header", ["yesterday", '"-1"', '"3", "4"', '"3', "W/", "", '"1e3"', 'WW/"3"'])
def test_anything_else_is_a_failed_precondition(header: str) -> None:
    with pytest.raises(PreconditionFailed):
        if_match_version(header)


def test_etag_round_trips() -> None:
    assert if_match_version(etag(7)) == 7
