"""Cross-cutting pieces: settings, database, unit of work, clock and errors."""
