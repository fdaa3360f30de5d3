"""returnhub: a third-country return-hub scheme, end to end."""
