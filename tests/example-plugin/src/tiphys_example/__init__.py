"""An example tiphys plugin: a ``greet`` template type and an ``example-dir`` artifact driver."""

from __future__ import annotations

__version__ = "0.1.0"
