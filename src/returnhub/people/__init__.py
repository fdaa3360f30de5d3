"""People: identities and identity documents of persons in the scheme."""
