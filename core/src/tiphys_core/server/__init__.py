"""The standing controller: one warm process per state directory that runs workflows for
``tiphys run``/``submit``/``wait`` clients over a local Unix socket (like a build daemon).

:mod:`~tiphys_core.server.protocol` is what clients and the server share; it imports only
the standard library, so the client (:mod:`tiphys_core.client`) stays light, and so does
:mod:`~tiphys_core.server.lock` (who drives what). The server itself:

- :mod:`~tiphys_core.server.serve`: start-up (the lock, the socket, saying it is ready);
- :mod:`~tiphys_core.server.standing`: the accept loop, adopting workflows, idle exit,
  retiring when the code changed;
- :mod:`~tiphys_core.server.sessions`: one client connection, its request and replies;
- :mod:`~tiphys_core.server.workflow_requests`: ``submit`` and ``follow``;
- :mod:`~tiphys_core.server.runs`: the workflows driven, each by one thread;
- :mod:`~tiphys_core.server.followers`: a workflow shown to a client following it;
- :mod:`~tiphys_core.server.launchers`: the agents they run on.
"""

from __future__ import annotations
