"""The access tests' world (users of every role, people in and out of scope) for the boundary tests.

Imported, not listed in ``pytest_plugins``: a non-root plugin list registers the access conftest a second
time when the whole suite is collected."""

from tests.access.conftest import world  # noqa: F401 (a fixture)
