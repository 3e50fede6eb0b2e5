"""What the enquiry service is asked to do: one frozen command per RPC request, built by the
schemas in ``schemas.py`` (``@post_load``) once the request is valid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PublishTemplate:
    definition: dict[str, Any]
    actor: str


@dataclass(frozen=True)
class StartEnquiry:
    template_key: str
    template_version: int | None = None
    prefill_from_enquiry: str | None = None
    # The caller's idempotency key: the same one again answers with the same draft.
    request_id: str | None = None
    actor: str = "customer"


@dataclass(frozen=True)
class SaveAnswers:
    enquiry_id: str
    answers: dict[str, Any]
    actor: str = "customer"


@dataclass(frozen=True)
class SubmitEnquiry:
    """A draft (``enquiry_id``) or a whole enquiry in one call (``template_key`` and
    ``answers``); ``workflow`` is an officer's choice and needs ``workflow_reason``."""

    enquiry_id: str | None = None
    template_key: str | None = None
    template_version: int | None = None
    answers: dict[str, Any] | None = None
    workflow: str | None = None
    workflow_reason: str | None = None
    request_id: str | None = None
    actor: str = "customer"


@dataclass(frozen=True)
class ChangeWorkflow:
    enquiry_id: str
    workflow: str
    reason: str
    actor: str
