"""The nameko glue, in one module: the dependency provider that gives each worker a unit of
work (``shared.unit_of_work``), the one that tells it who is calling (``CallerProvider``), the
guarded ``rpc`` entrypoint every service uses (which also turns an unexpected error into
``InternalError``, its cause in the log only), the mixin that relays the outbox and answers
``health``, the registration of the typed errors for RPC callers, and the patch that keeps a
service alive through a broker restart. Everything below the entrypoints is free of nameko;
this module is what ``service.py`` files import (and RPC callers, for the typed errors)."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from nameko.amqp.publish import Publisher
from nameko.events import EventDispatcher
from nameko.exceptions import IncorrectSignature, deserialize_to_instance
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.rpc import rpc as nameko_rpc
from nameko.timer import timer
from sqlalchemy.orm import Session

from shared import broker_outages
from shared.authorisation import Policy, Rule
from shared.bus import connection_user
from shared.db import create_engine_for
from shared.envelope import new_correlation_id
from shared.errors import EXPECTED_ERRORS, Forbidden, InternalError
from shared.identity import CONTEXT_KEY, Identity, TokenVerifier, Unauthenticated
from shared.migrations import prepare_database
from shared.redaction import describe_error, new_reference
from shared.startup import database_failure
from shared.unit_of_work import AuditSink, UnitOfWork, WaitPolicy

log = logging.getLogger(__name__)
RELAY_SECONDS = 5


_green_postgres = False


def make_postgres_cooperative() -> None:
    """psycopg2 is a C driver: under eventlet its waits would block every worker of the service."""
    global _green_postgres
    if _green_postgres:
        return
    import eventlet.patcher

    if eventlet.patcher.is_monkey_patched("socket"):
        from psycogreen.eventlet import patch_psycopg

        patch_psycopg()
        _green_postgres = True


def register_errors() -> None:
    """A Python RPC caller gets ``ValidationFailed``, ``NotFound``, ``Conflict``, ``Forbidden``
    and ``InternalError`` back as themselves (nameko keeps a registry by dotted path;
    registering twice is harmless)."""
    for error in (*EXPECTED_ERRORS, InternalError):
        deserialize_to_instance(error)


register_errors()


class UnitOfWorkProvider(EventDispatcher):
    """Declare once per service: ``uow = UnitOfWorkProvider(metadata, seed=...)``.

    Config: ``DATABASE_URL`` (required) and ``DATABASE_MIGRATE_ON_START`` (default true).
    """

    def __init__(
        self,
        metadata: sa.MetaData,
        seed: Callable[[Session], None] | None = None,
        audit_sink: AuditSink | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.metadata = metadata
        self.seed = seed
        self.audit_sink = audit_sink
        self.engine: sa.Engine | None = None

    def setup(self) -> None:
        broker_outages.apply()
        register_errors()
        # RabbitMQ refuses a user_id that is not the connection's: consumers trust it (shared.bus).
        self.options.setdefault("user_id", connection_user(self.container.config["AMQP_URI"]))
        super().setup()
        config = self.container.config
        make_postgres_cooperative()
        self.engine = create_engine_for(config["DATABASE_URL"])
        if str(config.get("DATABASE_MIGRATE_ON_START", True)).lower() not in ("false", "0", "no"):
            try:
                prepare_database(self.engine, self.container.service_name, self.seed)
            except Exception as error:
                # The operator reads this line; the traceback that follows is for developers.
                service = self.container.service_name
                log.error(database_failure(service, config["DATABASE_URL"], error))
                raise

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        super().stop()

    def get_dependency(self, worker_ctx: Any) -> UnitOfWork:
        dispatch = super().get_dependency(worker_ctx)
        config = self.container.config
        return UnitOfWork(
            self.engine,
            self.metadata,
            dispatch,
            self.container.service_name,
            self.audit_sink,
            max_attempts=int(config.get("EVENT_MAX_ATTEMPTS", 5)),
            backoff_seconds=float(config.get("EVENT_RETRY_BACKOFF_SECONDS", 0.5)),
            handler=worker_ctx.entrypoint.method_name,
            queue=getattr(getattr(worker_ctx.entrypoint, "queue", None), "name", None),
            redeliver=self._redeliver,
            wait_policy=WaitPolicy(
                first_delay_seconds=float(config.get("EVENT_WAIT_FIRST_DELAY_SECONDS", 2)),
                max_delay_seconds=float(config.get("EVENT_WAIT_MAX_DELAY_SECONDS", 60)),
                give_up_after_seconds=float(config.get("EVENT_WAIT_SECONDS", 900)),
            ),
        )

    def _redeliver(self, queue: str, message: Any) -> None:
        """Publish straight to one handler's queue (the default exchange routes by queue name):
        the other subscribers of the event already have it."""
        uri = self.container.config["AMQP_URI"]
        Publisher(uri).publish(
            message, routing_key=queue, mandatory=True, retry=False, user_id=connection_user(uri)
        )


class Caller:
    """Who is calling this worker, once ``admit`` has let them in: ``identity`` and ``actor``
    for the use case. An event handler or a timer is the service itself."""

    def __init__(
        self,
        policy: Policy,
        verifier: TokenVerifier,
        token: Any,
        service: str,
        is_rpc: bool,
    ) -> None:
        self.policy = policy
        self._verifier = verifier
        self._token = token
        self._is_rpc = is_rpc
        self.identity: Identity | None = None if is_rpc else Identity.system(service)

    @property
    def actor(self) -> str:
        if self.identity is None:
            raise RuntimeError("the caller has not been admitted")
        return self.identity.actor

    def admit(self, action: str) -> Rule:
        """Check the token and the service's rule for ``action``: ``Forbidden`` if either
        refuses. Health answers without a token."""
        rule = self.policy.rule_for(action)
        if rule.anonymous and not self._token:
            self.identity = Identity(subject="anonymous", actor="anonymous", roles=frozenset())
            return rule
        try:
            identity = self._verifier.verify(self._token)
        except Unauthenticated as refused:
            raise Forbidden(action, str(refused)) from None
        self.identity = identity
        return self.policy.check(action, identity)


class CallerProvider(DependencyProvider):
    """Declare once per service: ``caller = CallerProvider(policy.POLICY)``. Config:
    ``IDENTITY_PUBLIC_KEYS`` (paths of the PEM public keys whose tokens are accepted),
    ``IDENTITY_ISSUER``, ``IDENTITY_AUDIENCE`` (see ``shared.identity``). A service without
    a key refuses to start: it would have to refuse every call."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.verifier: TokenVerifier | None = None

    def setup(self) -> None:
        self.verifier = TokenVerifier.from_config(self.container.config)

    def get_dependency(self, worker_ctx: Any) -> Caller:
        return Caller(
            self.policy,
            self.verifier,
            worker_ctx.context_data.get(CONTEXT_KEY),
            self.container.service_name,
            isinstance(worker_ctx.entrypoint, Rpc),
        )


def rpc(
    method: Callable[..., Any] | None = None, *, records_actor: bool = True
) -> Callable[..., Any]:
    """The RPC entrypoint every service uses (instead of nameko's): the caller is admitted by
    the service's policy before the method runs, the actor the method records is the token's
    (an ``actor`` argument, or the ``actor`` field of a request object, that disagrees is
    refused), and every refusal, here or in the use case, is on the audit trail. Any error
    that is not one of the typed ones reaches the caller as ``InternalError`` with a reference
    and nothing else: its message may quote what was sent or stored (a database error quotes
    the row). Expects ``caller`` (``CallerProvider``) and ``uow`` (``UnitOfWorkProvider``) on
    the service.

    ``@rpc(records_actor=False)`` for a call whose request object has no ``actor`` (a query)."""
    if method is None:
        return functools.partial(rpc, records_actor=records_actor)
    action = method.__name__
    signature = inspect.signature(method)
    takes_actor = "actor" in signature.parameters

    @functools.wraps(method)
    def guarded(service: Any, *args: Any, **kwargs: Any) -> Any:
        caller: Caller = service.caller
        try:
            bound = signature.bind(service, *args, **kwargs)
        except TypeError as error:
            raise IncorrectSignature(str(error)) from None
        try:
            caller.admit(action)
            if caller.identity.roles and (records_actor or takes_actor):
                _put_actor(action, bound, caller.actor, takes_actor)
            # The use cases see who asked (Transaction.caller) to check what is theirs.
            service.uow.caller, service.uow.action = caller.identity, action
            return method(*bound.args, **bound.kwargs)
        except Forbidden as refused:
            _audit_refusal(service, refused, caller)
            raise
        except (*EXPECTED_ERRORS, InternalError):
            raise
        except Exception as error:
            raise _internal_error(service, action, error) from None

    # nameko checks a call's arguments against this (it does not follow ``__wrapped__``).
    guarded.__signature__ = signature  # type: ignore[attr-defined]
    return nameko_rpc(expected_exceptions=EXPECTED_ERRORS)(guarded)


def _internal_error(service: Any, action: str, error: Exception) -> InternalError:
    """The caller gets the reference; the log gets it with the cause (types, redacted
    messages and where it was raised)."""
    reference = new_reference()
    name = getattr(service, "name", type(service).__name__)
    log.error("unexpected error %s in %s.%s: %s", reference, name, action, describe_error(error))
    return InternalError(reference)


def _put_actor(action: str, bound: inspect.BoundArguments, actor: str, takes_actor: bool) -> None:
    """The actor recorded is the token's: an ``actor`` argument, or the ``actor`` field of the
    request object (the first argument), is set to it; one that disagrees is refused."""
    if takes_actor:
        given = bound.arguments.get("actor")
        if given not in (None, actor):
            raise Forbidden(f"{action}:actor", "the actor is not the caller")
        bound.arguments["actor"] = actor
        return
    names = list(bound.signature.parameters)
    if len(names) < 2 or not isinstance(bound.arguments.get(names[1]), dict):
        return
    request = bound.arguments[names[1]]
    given = request.get("actor")
    if given not in (None, actor):
        raise Forbidden(f"{action}:actor", "the actor is not the caller")
    bound.arguments[names[1]] = {**request, "actor": actor}


def _audit_refusal(service: Any, refused: Forbidden, caller: Caller) -> None:
    """A refused attempt, on the audit trail: who (as far as the token says), what, and why;
    never the arguments."""
    identity = caller.identity
    try:
        with service.uow.transaction() as tx:
            tx.audit(
                actor=identity.actor if identity else "unidentified",
                action="access.refused",
                entity_type="rpc",
                entity_id=f"{service.uow.source}.{refused.action}"[:120],
                case_id=refused.case_id,
                correlation_id=refused.correlation_id or new_correlation_id(),
                after={
                    "action": refused.action,
                    "reason": refused.reason,
                    "roles": sorted(identity.roles) if identity else [],
                    "token_id": identity.token_id if identity else None,
                },
            )
    except Exception:  # noqa: BLE001 - the refusal stands even if it could not be recorded
        log.warning("could not record a refused call to %s", refused.action, exc_info=True)


class OutboxRelay:
    """Mixed into every service: publishes what the outbox still holds (after a crash or a broker
    outage), and answers ``health`` for container orchestration. Runs in every replica; the
    outbox rows are locked while being published, so replicas do not publish one event twice
    on PostgreSQL (and at worst twice, never never, on SQLite: consumers de-duplicate)."""

    uow: UnitOfWork

    @timer(interval=RELAY_SECONDS)
    def relay_outbox(self) -> None:
        self.uow.relay_outbox()
        self.uow.redeliver_waiting()

    @rpc
    def health(self) -> dict[str, Any]:
        """``{service, status, database, outbox: {unpublished, oldest_unpublished_at}}``. That
        it answers at all shows the service is consuming from the broker; ``status`` is
        ``ok`` when the database answers too."""
        try:
            backlog, waiting = self.uow.outbox_backlog(), self.uow.waiting_summary()
            database = "ok"
        except Exception as error:  # noqa: BLE001 - reported, not raised: this is the probe
            backlog, waiting, database = None, None, f"error: {type(error).__name__}"
        oldest = backlog and backlog["oldest_unpublished_at"]
        return {
            "service": self.uow.source,
            "status": "ok" if database == "ok" else "degraded",
            "database": database,
            "outbox": backlog
            and {**backlog, "oldest_unpublished_at": oldest and oldest.isoformat()},
            # Events waiting for what they need (NotYet): a growing number is worth a look.
            "waiting": waiting,
        }
