"""The standing controller: one warm process per state directory that runs workflows for
``tiphys run``/``submit``/``wait`` clients over a local Unix socket (like a build daemon).

:mod:`~tiphys_core.server.protocol` is what clients and the server share; it imports only
the standard library, so the client (:mod:`tiphys_core.client`) stays light. The server
itself is :mod:`~tiphys_core.server.serve`.
"""

from __future__ import annotations
