"""The HTTP kit every router uses: request dependencies (``deps``), RFC 9457 problems and the one handler
for the unexpected (``problems``), ETag/If-Match (``conditional``). It imports no context and nothing of
``web``, so a context's router imports it without importing the app that mounts the router."""
