"""Access and privacy: accounts and sign-in, roles and declared permissions, record scopes, the
hash-chained access log, encryption of special-category fields, data-subject export and retention.

Public API for other contexts (import from the submodules):

* ``returnhub.access.deps.CurrentUser``: the signed-in ``Principal`` of a request (for ``recorded_by``).
* ``returnhub.access.scopes``: ``case_filter`` to narrow a list of people, ``require_in_scope`` for a
  reference named in a request body.
* ``returnhub.access.permissions.PERMISSIONS``: declare every new operation there.
"""
