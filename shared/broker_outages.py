"""Keep a service alive through a broker restart or a dropped connection.

nameko 2.14 acknowledges, requeues and replies through the connection a message arrived on, and
only swallows ``amqp.exceptions.ConnectionError`` when that fails. On Python 3 a dead socket
raises ``ConnectionResetError``/``BrokenPipeError`` instead, which escapes into the worker's
result handler and kills the whole container: one RabbitMQ restart stopped three of our five
services (tests/faults found it). Nothing is lost by ignoring these failures: RabbitMQ gives
every unacknowledged message of a closed connection to a consumer again, and our handlers and
creating RPCs are idempotent. So the patch below logs and carries on; the consumer reconnects
by itself (kombu).

Applied once, by ``shared.nameko_wiring.UnitOfWorkProvider.setup()`` (every service has one).
"""

from __future__ import annotations

import logging
from typing import Any

from amqp.exceptions import ConnectionError as AmqpConnectionError
from amqp.exceptions import RecoverableConnectionError
from kombu.exceptions import OperationalError
from nameko.messaging import QueueConsumer
from nameko.rpc import RpcConsumer

log = logging.getLogger(__name__)

CONNECTION_LOST = (OSError, AmqpConnectionError, RecoverableConnectionError, OperationalError)


def _ack_message(self: QueueConsumer, message: Any) -> None:
    try:
        if message.channel.connection:
            message.ack()
    except CONNECTION_LOST as error:
        log.info("connection lost before ack (%r): the broker delivers the message again", error)


def _requeue_message(self: QueueConsumer, message: Any) -> None:
    try:
        if message.channel.connection:
            message.requeue()
    except CONNECTION_LOST as error:
        log.info("connection lost before requeue (%r): the broker delivers it again", error)


_send_reply_and_ack = RpcConsumer.handle_result


def _handle_rpc_result(
    self: RpcConsumer, message: Any, result: Any, exc_info: Any
) -> tuple[Any, Any]:
    try:
        return _send_reply_and_ack(self, message, result, exc_info)
    except CONNECTION_LOST as error:
        # The reply could not be published: hand the request back so it is answered again (the
        # caller may also retry; the creating RPCs take an idempotency key).
        log.warning("could not send an RPC reply (%r): request requeued", error)
        self.queue_consumer.requeue_message(message)
        return result, exc_info


def apply() -> None:
    if getattr(QueueConsumer, "_survives_broker_outages", False):
        return
    QueueConsumer.ack_message = _ack_message
    QueueConsumer.requeue_message = _requeue_message
    RpcConsumer.handle_result = _handle_rpc_result
    QueueConsumer._survives_broker_outages = True
