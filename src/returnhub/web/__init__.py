"""The web shell: app factory, API error mapping and (later) server-rendered pages."""
