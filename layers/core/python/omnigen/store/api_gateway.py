"""The `WebSocketPush` port on AWS: messages to the connections of the API Gateway WebSocket API,
through its management API (`POST @connections/{id}`). A connection API Gateway reports gone
(410) is a False, not an error: the client left, and whoever sent should forget it."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from omnigen.store.ports import StoreError


class ApiGatewayPush:
    def __init__(self, client: Any):
        """`client`: boto3's `apigatewaymanagementapi` client for the stage's endpoint."""
        self.client = client

    def send(self, connection_id: str, data: bytes) -> bool:
        try:
            self.client.post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "GoneException":
                return False
            raise StoreError(f"sending to WebSocket connection {connection_id} failed: {err}") from err
        except BotoCoreError as err:
            raise StoreError(f"sending to WebSocket connection {connection_id} failed: {err}") from err
        return True
