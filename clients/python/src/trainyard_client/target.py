"""Where the scheduler is: an explicit target, else TRAINYARD_ADDR, else 127.0.0.1:50051."""
from __future__ import annotations

from typing import Mapping, Optional, Tuple

DEFAULT_TARGET = "127.0.0.1:50051"
ENV_VAR = "TRAINYARD_ADDR"


def resolve_target(target: Optional[str], environ: Mapping[str, str]) -> str:
    """A grpcio target (``host:port``) from ``target`` or ``environ[TRAINYARD_ADDR]``.

    ``http://host:port`` and ``https://host:port`` (the forms the TypeScript client takes) are
    accepted too; see :func:`target_and_tls` for whether TLS was asked for.
    """
    return target_and_tls(target, environ)[0]


def target_and_tls(target: Optional[str], environ: Mapping[str, str]) -> Tuple[str, bool]:
    """The grpcio target and whether its URL said ``https://``."""
    t = (target or environ.get(ENV_VAR) or DEFAULT_TARGET).strip()
    tls = t.startswith("https://")
    for scheme in ("https://", "http://"):
        if t.startswith(scheme):
            t = t[len(scheme):]
    t = t.rstrip("/")
    if not t:
        raise ValueError("target: empty")
    return t, tls
