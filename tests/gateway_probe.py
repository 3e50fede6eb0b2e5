"""Drives the gateway's asyncio RPC client against running services, in a process of its own (the
test process runs eventlet, which the gateway must never share): prints one JSON object with
what each call gave. Used by tests/integration/test_gateway_rpc_client.py.

    python -m tests.gateway_probe AMQP_URI MANAGEMENT_API_URI TOKEN BAD_TOKEN
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
import urllib.parse
import urllib.request
from typing import Any

from services.gateway.rpc_client import BrokerUnavailable, RemoteError, RpcClient, RpcTimeout
from shared.errors import ServiceError

TEMPLATE_KEY = "housing-options-enquiry"


async def outcome(call: Any) -> dict[str, Any]:
    """What one call gave: its result, or the class and arguments of what it raised."""
    try:
        return {"result": await call}
    except (ServiceError, RemoteError, RpcTimeout, BrokerUnavailable) as error:
        return {"error": type(error).__name__, "args": [str(a) for a in error.args]}


def drop_connection(api_uri: str, name: str) -> bool:
    """Close this client's connection from the broker's side, as a broker restart would. The
    management API lists a new connection within a few seconds."""
    parts = urllib.parse.urlsplit(api_uri)
    base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}/api"
    auth = base64.b64encode(f"{parts.username}:{parts.password}".encode()).decode()
    headers = {"Authorization": f"Basic {auth}"}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        listing = urllib.request.Request(f"{base}/connections", headers=headers)
        with urllib.request.urlopen(listing) as response:
            connections = json.load(response)
        mine = [
            c["name"]
            for c in connections
            if c.get("client_properties", {}).get("connection_name") == name
        ]
        for connection in mine:
            quoted = urllib.parse.quote(connection, safe="")
            closing = urllib.request.Request(
                f"{base}/connections/{quoted}", headers=headers, method="DELETE"
            )
            urllib.request.urlopen(closing).close()
        if mine:
            return True
        time.sleep(0.5)
    return False


async def main(amqp_uri: str, api_uri: str, token: str, bad_token: str) -> dict[str, Any]:
    client = await RpcClient.connect(amqp_uri, name="probe")
    report: dict[str, Any] = {}
    try:
        report["health"] = await outcome(client.call("cases", "health"))
        report["template"] = await outcome(
            client.call("enquiry", "get_template", TEMPLATE_KEY, token=token)
        )
        report["not_found"] = await outcome(
            client.call("cases", "get_case", "HO-1999-000001", token=token)
        )
        report["invalid"] = await outcome(
            client.call("enquiry", "submit_enquiry", {"template_key": TEMPLATE_KEY}, token=token)
        )
        report["no_token"] = await outcome(client.call("cases", "list_cases", {}))
        report["bad_token"] = await outcome(client.call("cases", "list_cases", {}, token=bad_token))
        report["bad_arguments"] = await outcome(
            client.call("cases", "get_case", token=token, no_such_argument=1)
        )
        report["nowhere"] = await outcome(client.call("nowhere", "method", timeout=0.5))
        together = await asyncio.gather(
            *(client.call("enquiry", "get_template", TEMPLATE_KEY, token=token) for _ in range(25))
        )
        report["concurrent"] = sorted({t["version"] for t in together}), len(together)
        report["dropped"] = await asyncio.to_thread(drop_connection, api_uri, client.reply_to)
        deadline = time.monotonic() + 30
        seen = set()
        while True:
            after = await outcome(client.call("cases", "health", timeout=2))
            seen.add(after.get("error", "result"))
            if "result" in after or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        report["after_reconnect"] = after
        report["while_reconnecting"] = sorted(seen - {"result"})
    finally:
        await client.close()
    return report


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(*sys.argv[1:5]))))
