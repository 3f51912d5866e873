"""Standard Webhooks signatures, admin credentials and secret storage."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
import json
from typing import Any

from aiohttp.test_utils import TestClient
import pytest
from standardwebhooks import Webhook

from tests.webhook_server.conftest import (
    ADMIN_TOKEN,
    APPLIANCE,
    MONDAY_9AM,
    admin_headers,
    make_ticket,
    post_ticket,
    register,
    signed_headers,
)
from webhook_server import protocol, security
from webhook_server.app import create_app
from webhook_server.runtime import RUNTIME
from webhook_server.settings import Settings


def test_our_signature_is_the_reference_one() -> None:
    secret = protocol.new_signing_secret()
    body = b'{"a": 1}'
    ours = protocol.signature_headers(secret, "msg_1", 1_780_000_000, body)["webhook-signature"]
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "1780000000", "webhook-signature": ours}
    assert protocol.verify(headers, body, [protocol.signing_key(secret)], now=1_780_000_010)
    theirs = Webhook(secret).sign(
        "msg_1", datetime.fromtimestamp(1_780_000_000, UTC), body.decode()
    )
    assert ours == theirs


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("", "required"),
        ("v1", "no v1"),
        ("v1,", "no v1"),
        ("v1,@@@not-base64@@@", "no v1"),
        ("v2,AAAA", "no v1"),
        ("v1,AAAA", "no signature matches"),
    ],
)
async def test_malformed_or_wrong_signature_is_401(
    client: TestClient[Any, Any], header: str, reason: str
) -> None:
    secret = await register(client)
    body = json.dumps(make_ticket())
    headers = signed_headers(secret, body)
    headers["webhook-signature"] = header
    response = await client.post("/api/v1/tickets", data=body, headers=headers)
    assert response.status == 401
    problem = await response.json()
    assert problem["type"] == "urn:fridgecare:problem:invalid-signature"
    assert reason in problem["detail"]


async def test_one_of_several_signatures_may_match(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    body = json.dumps(make_ticket())
    headers = signed_headers(secret, body)
    other = Webhook(protocol.new_signing_secret()).sign(
        "msg-1", datetime.fromtimestamp(MONDAY_9AM, UTC), body
    )
    headers["webhook-signature"] = f"{other} {headers['webhook-signature']}"
    response = await client.post("/api/v1/tickets", data=body, headers=headers)
    assert response.status == 201


@pytest.mark.parametrize("skew", [-301, 301])
async def test_old_or_future_timestamp_rejects_replay(
    client: TestClient[Any, Any], skew: int
) -> None:
    secret = await register(client)
    response = await post_ticket(client, secret, make_ticket(), at=MONDAY_9AM + skew)
    assert response.status == 401
    assert "tolerance" in (await response.json())["detail"]


async def test_timestamp_must_be_digits(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    body = json.dumps(make_ticket())
    headers = signed_headers(secret, body)
    headers["webhook-timestamp"] = "1e9"
    response = await client.post("/api/v1/tickets", data=body, headers=headers)
    assert response.status == 401


async def test_tampered_body_or_other_appliance_secret_fails(
    client: TestClient[Any, Any],
) -> None:
    secret = await register(client)
    other_secret = await register(client, dict(APPLIANCE, serial="SN-0002"))
    ticket = make_ticket()
    body = json.dumps(ticket)
    headers = signed_headers(secret, body)
    tampered = body.replace("0.87", "0.99")
    assert (await client.post("/api/v1/tickets", data=tampered, headers=headers)).status == 401
    assert (await post_ticket(client, other_secret, ticket)).status == 401
    unknown = make_ticket(appliance__serial="never-registered")
    assert (await post_ticket(client, secret, unknown)).status == 401
    nameless = json.dumps({"ticket_id": "x"})  # decoding checks the contract, before the keys
    response = await client.post(
        "/api/v1/tickets", data=nameless, headers=signed_headers(secret, nameless)
    )
    assert response.status == 422


async def test_rotation_keeps_old_secret_for_grace_period(
    client: TestClient[Any, Any], clock: Any
) -> None:
    response = await client.post("/api/v1/appliances", json=APPLIANCE, headers=admin_headers())
    registered = await response.json()
    old = registered["secret"]
    rotated = await client.post(
        f"/api/v1/appliances/{registered['appliance_id']}/secrets", headers=admin_headers()
    )
    assert rotated.status == 201
    new = (await rotated.json())["secret"]
    assert new != old and new.startswith("whsec_")
    assert (await post_ticket(client, old, make_ticket())).status == 201
    assert (await post_ticket(client, new, make_ticket())).status == 201
    later = MONDAY_9AM + 25 * 3600
    clock.now = later
    assert (await post_ticket(client, new, make_ticket(), at=later)).status == 201
    assert (await post_ticket(client, old, make_ticket(), at=later)).status == 401
    missing = await client.post("/api/v1/appliances/apl_nope/secrets", headers=admin_headers())
    assert missing.status == 404


async def test_admin_endpoints_need_the_token(client: TestClient[Any, Any]) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN_TOKEN}):
        response = await client.post("/api/v1/appliances", json=APPLIANCE, headers=headers)
        assert response.status == 401
        assert (await response.json())["type"] == "urn:fridgecare:problem:unauthorized"
    await register(client)
    again = await client.post("/api/v1/appliances", json=APPLIANCE, headers=admin_headers())
    assert again.status == 409
    invalid = await client.post("/api/v1/appliances", json={"model": 3}, headers=admin_headers())
    assert invalid.status == 422


async def test_admin_api_disabled_without_token(
    settings: Settings, clock: Any, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(create_app(replace(settings, admin_token=None), clock=clock))
    response = await client.post("/api/v1/appliances", json=APPLIANCE, headers=admin_headers())
    assert response.status == 403


async def test_secrets_are_encrypted_at_rest_and_never_logged(
    client: TestClient[Any, Any], settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    secret = await register(client)
    await post_ticket(client, secret, make_ticket())
    services = client.app[RUNTIME]
    async with services.database.read() as conn:
        rows = await conn.fetch("SELECT ciphertext FROM appliance_secrets")
    assert rows and all(secret not in row["ciphertext"] for row in rows)
    assert services.secret_box.open(rows[0]["ciphertext"]) == secret
    assert secret not in caplog.text
    assert secret.removeprefix("whsec_") not in caplog.text


def test_wrong_service_key_is_a_clear_error() -> None:
    sealed = security.SecretBox(security.SecretBox.new_key()).seal("whsec_x")
    with pytest.raises(ValueError, match="FRIDGECARE_SECRET_KEY"):
        security.SecretBox(security.SecretBox.new_key()).open(sealed)


def test_passwords_are_bcrypt_hashed() -> None:
    hashed = security.hash_password("correct horse", rounds=4)
    assert hashed.startswith("$2")
    assert security.check_password("correct horse", hashed)
    assert not security.check_password("wrong horse", hashed)
