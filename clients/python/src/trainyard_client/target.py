"""Where the scheduler is: an explicit target, else TRAINYARD_ADDR, else 127.0.0.1:50051."""
from __future__ import annotations

from typing import Mapping, Optional

DEFAULT_TARGET = "127.0.0.1:50051"
ENV_VAR = "TRAINYARD_ADDR"


def resolve_target(target: Optional[str], environ: Mapping[str, str]) -> str:
    """A grpcio target (``host:port``) from ``target`` or ``environ[TRAINYARD_ADDR]``.

    ``http://host:port`` (the form the TypeScript client takes) is accepted too. The scheduler
    speaks cleartext HTTP/2, so ``https://`` is refused rather than silently downgraded.
    """
    t = (target or environ.get(ENV_VAR) or DEFAULT_TARGET).strip()
    if t.startswith("https://"):
        raise ValueError(f"target {t!r}: TLS is not supported by this client; use host:port")
    if t.startswith("http://"):
        t = t[len("http://"):]
    t = t.rstrip("/")
    if not t:
        raise ValueError("target: empty")
    return t
