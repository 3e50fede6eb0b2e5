"""What the documents service is asked to do: one frozen command per RPC request, built by the
schemas in ``schemas.py`` (``@post_load``) once the request is valid."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Regenerate:
    """A new version of the case's ``information_pack`` or of one of its letters."""

    case_id: str
    kind: str
    actor: str
