"""The access tests' small world (two people at two hubs, two transfers, a user of every role) serves the
web boundary tests too."""

from tests.access.conftest import world  # noqa: F401 - the fixture
