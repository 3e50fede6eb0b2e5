"""The gateway's RPC client: asyncio (aio-pika), speaking nameko's wire format (docs/rpc.md), so
the gateway process never runs eventlet. nameko's own standalone proxy is eventlet-bound and
fixes its context data per proxy; here each call carries its caller's identity token.

One connection and one exclusive reply queue per process, bound to the ``nameko-rpc`` exchange
under its own name (nameko replies to the ``reply_to`` routing key on that exchange). Each call
has a correlation id and a timeout; a reply is matched to its call by the id, and a late one is
dropped. The connection is robust: after a broker restart it reconnects and declares the reply
queue and its binding again. A call made while it is down fails at once with
``BrokerUnavailable``; one in flight when the broker went away gets no reply and ends in
``RpcTimeout``, like one the broker lost.

The services' typed errors come back as themselves (``shared.errors``: ``ValidationFailed``,
``NotFound``, ``Conflict``, ``Forbidden``, and ``InternalError`` with the reference the
service logged its cause under); anything else is a ``RemoteError`` with the remote type and
message.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import uuid
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError

from shared.errors import Conflict, Forbidden, InternalError, NotFound, ValidationFailed
from shared.identity import CONTEXT_KEY

RPC_EXCHANGE = "nameko-rpc"
# nameko passes context data as headers with this prefix (``nameko.identity``).
HEADER_PREFIX = "nameko."
DEFAULT_TIMEOUT_SECONDS = 30.0


class RpcTimeout(Exception):  # noqa: N818 - named as nameko names its own
    """No reply within the timeout: the service is away, slow, or the broker lost the call."""


class BrokerUnavailable(Exception):  # noqa: N818 - a state, like RpcTimeout
    """The call could not be sent: the connection to the broker is down (it reconnects by
    itself; the caller may try again)."""


class RemoteError(Exception):
    """An error the service did not raise on purpose: its type and message, nothing more."""

    def __init__(self, exc_type: str, value: str) -> None:
        super().__init__(exc_type, value)
        self.exc_type, self.value = exc_type, value

    def __str__(self) -> str:
        return f"{self.exc_type} {self.value}"


def remote_error(error: dict[str, Any]) -> Exception:
    """The exception a nameko error reply stands for."""
    exc_type = str(error.get("exc_type", ""))
    args = error.get("exc_args") or []
    try:
        if exc_type == "ValidationFailed":
            return ValidationFailed(*args[:2])
        if exc_type == "NotFound":
            return NotFound(*args[:2])
        if exc_type == "Conflict":
            return Conflict(*args[:1])
        if exc_type == "Forbidden":
            return Forbidden(*args[:2])
        if exc_type == "InternalError":
            return InternalError(*args[:1])
    except TypeError:
        pass  # arguments of another shape: reported as they came
    return RemoteError(exc_type or "RemoteError", str(error.get("value", "")))


def _named(amqp_uri: str, name: str) -> str:
    parts = urllib.parse.urlsplit(amqp_uri)
    query = urllib.parse.parse_qsl(parts.query)
    query = [(key, value) for key, value in query if key != "name"] + [("name", name)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class RpcClient:
    """``client = await RpcClient.connect(amqp_uri)``, then
    ``await client.call("cases", "get_case", "HO-2026-000001", token=token)``."""

    def __init__(self, amqp_uri: str, name: str = "gateway") -> None:
        self.amqp_uri = amqp_uri
        self.reply_to = f"rpc.reply-{name}-{uuid.uuid4()}"
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None

    @classmethod
    async def connect(cls, amqp_uri: str, name: str = "gateway") -> RpcClient:
        client = cls(amqp_uri, name)
        await client.start()
        return client

    async def start(self) -> None:
        # Named after its reply queue (aiormq's ``name`` query parameter becomes the
        # connection's name): an operator sees which process a connection is.
        self._connection = await aio_pika.connect_robust(_named(self.amqp_uri, self.reply_to))
        self._channel = await self._connection.channel()
        self._exchange = await self._channel.declare_exchange(
            RPC_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        # Exclusive and auto-deleted: it lives as long as this process's connection; the robust
        # connection declares it and its binding again after a reconnect.
        queue = await self._channel.declare_queue(self.reply_to, exclusive=True, auto_delete=True)
        await queue.bind(self._exchange, routing_key=self.reply_to)
        await queue.consume(self._on_reply, no_ack=True)

    async def close(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.cancel()
        self._pending.clear()
        if self._connection is not None:
            await self._connection.close()

    async def call(
        self,
        service: str,
        method: str,
        *args: Any,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        **kwargs: Any,
    ) -> Any:
        """Call ``service.method(*args, **kwargs)`` as the caller ``token`` names (None: no
        identity, which only ``health`` accepts). Raises the service's typed errors,
        ``RemoteError``, ``RpcTimeout`` or ``BrokerUnavailable``."""
        if self._exchange is None:
            raise RuntimeError("the RPC client is not started")
        correlation_id = str(uuid.uuid4())
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        headers = {f"{HEADER_PREFIX}{CONTEXT_KEY}": token} if token else {}
        message = aio_pika.Message(
            json.dumps({"args": list(args), "kwargs": kwargs}).encode(),
            content_type="application/json",
            correlation_id=correlation_id,
            reply_to=self.reply_to,
            headers=headers,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        try:
            try:
                await self._exchange.publish(message, routing_key=f"{service}.{method}")
            except (AMQPError, ChannelInvalidStateError, ConnectionError) as away:
                raise BrokerUnavailable(f"{service}.{method}: {type(away).__name__}") from None
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise RpcTimeout(f"{service}.{method}: no reply within {timeout:g} s") from None
        finally:
            self._pending.pop(correlation_id, None)

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is None or future.done():
            return  # a late reply to a call that timed out, or not ours
        try:
            body = json.loads(message.body)
        except ValueError:
            future.set_exception(RemoteError("MalformedReply", "the reply is not JSON"))
            return
        error = body.get("error") if isinstance(body, dict) else None
        if error:
            future.set_exception(remote_error(error))
        else:
            future.set_result(body.get("result") if isinstance(body, dict) else None)
