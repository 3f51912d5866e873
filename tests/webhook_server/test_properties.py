"""Property tests (hypothesis): the ticket parser and the signature verifier, on any input.

The parser either gives a ticket or says why not (a ``msgspec`` error, a 400 or 422), whatever
the bytes; what it accepts survives a round trip and has one fingerprint however it is written.
The verifier accepts exactly the signatures of the given secret over exactly those bytes, and
refuses anything else with its own error, whatever the headers hold.
"""

from __future__ import annotations

import base64
import contextlib
from datetime import UTC, datetime
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import msgspec
import pytest
from standardwebhooks import Webhook

from webhook_server import protocol
from webhook_server.contract import Ticket, decode_ticket, encode, fingerprint

NOW = 1_780_000_000
PROPERTIES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers()
    | st.text(st.characters(codec="utf-8")),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 2),  # noqa: DTZ001  (hypothesis bounds are naive)
    max_value=datetime(2100, 12, 30),  # noqa: DTZ001
    timezones=st.just(UTC),
)
words = st.text(st.characters(codec="utf-8"), min_size=1, max_size=30)
identifiers = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._:-]{0,40}\Z")


@st.composite
def tickets(draw: st.DrawFn) -> dict[str, Any]:
    """Any ticket the contract accepts, as the JSON an appliance sends."""
    start = draw(moments)
    window_end = draw(moments.filter(lambda end: end > start))
    fault: dict[str, Any] = {
        "code": draw(st.from_regex(r"\A[a-z][a-z0-9_]{0,20}\Z")),
        "severity": draw(st.sampled_from(["info", "warning", "critical"])),
        "confidence": draw(st.floats(0, 1)),
        "summary": draw(words),
        "onset_at": draw(moments).isoformat(),
        "detected_at": draw(moments).isoformat(),
        "time_to_unsafe_s": draw(st.none() | st.floats(0, 30 * 86400)),
        "evidence": draw(
            st.dictionaries(words, st.floats(allow_nan=False, allow_infinity=False), max_size=5)
        ),
    }
    if draw(st.booleans()):
        fault["part"] = draw(words)
    customer: dict[str, Any] = {
        "zone": draw(words),
        "language": draw(st.sampled_from(["en", "es"])),
        "preferred_windows": [{"start": start.isoformat(), "end": window_end.isoformat()}],
    }
    if draw(st.booleans()):
        customer["contact"] = draw(words)
    return {
        "ticket_id": draw(identifiers),
        "appliance": {"manufacturer": draw(words), "model": draw(words), "serial": draw(words)},
        "customer": customer,
        "fault": fault,
        "integration_version": draw(words),
    }


@PROPERTIES
@given(st.binary(max_size=300) | json_values.map(lambda value: json.dumps(value).encode()))
def test_the_parser_takes_or_refuses_any_bytes_with_its_own_error(body: bytes) -> None:
    with contextlib.suppress(msgspec.DecodeError):  # 400 (not JSON) or, as ValidationError, 422
        assert isinstance(decode_ticket(body), Ticket)


@PROPERTIES
@given(tickets(), st.randoms())
def test_a_ticket_survives_the_round_trip_with_one_fingerprint_however_written(
    ticket: dict[str, Any], random: Any
) -> None:
    parsed = decode_ticket(json.dumps(ticket).encode())
    assert decode_ticket(encode(parsed)) == parsed
    shuffled = dict(random.sample(list(ticket.items()), len(ticket)))
    rewritten = json.dumps(
        shuffled, indent=random.choice([None, 1, 4]), sort_keys=random.random() < 0.5
    )
    assert fingerprint(decode_ticket(rewritten.encode())) == fingerprint(parsed)


@PROPERTIES
@given(tickets(), st.sampled_from(["ticket_id", "appliance", "customer", "fault"]), json_values)
def test_a_broken_field_is_refused_naming_where(
    ticket: dict[str, Any], field: str, value: Any
) -> None:
    ticket[field] = value
    try:
        parsed = decode_ticket(json.dumps(ticket).encode())
    except msgspec.ValidationError as err:
        assert field in str(err)  # the 422 names it
    else:  # the random value happened to be valid there
        assert isinstance(parsed, Ticket)


secrets_ = st.binary(min_size=16, max_size=64).map(
    lambda key: protocol.SECRET_PREFIX + base64.b64encode(key).decode()
)
header_text = st.text(
    st.characters(codec="utf-8") | st.sampled_from(["\udcff", ",", " "]), max_size=80
)


@PROPERTIES
@given(secrets_, identifiers, st.binary(max_size=200), st.integers(-300, 300))
def test_the_reference_signature_is_accepted_within_the_tolerance(
    secret: str, message_id: str, body: bytes, drift: int
) -> None:
    stamp = NOW + drift
    signed = Webhook(secret).sign(
        message_id, datetime.fromtimestamp(stamp, UTC), body.decode("latin-1")
    )
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signed,
    }
    keys = [protocol.signing_key(secret)]
    message = protocol.verify(headers, body.decode("latin-1").encode(), keys, now=NOW)
    assert (message.webhook_id, message.timestamp) == (message_id, stamp)


@PROPERTIES
@given(secrets_, secrets_, identifiers, st.binary(min_size=1, max_size=200), st.data())
def test_another_secret_or_any_changed_byte_is_refused(
    secret: str, other: str, message_id: str, body: bytes, data: st.DataObject
) -> None:
    headers = protocol.signature_headers(secret, message_id, NOW, body)
    position = data.draw(st.integers(0, len(body) - 1))
    changed = (
        body[:position]
        + bytes([body[position] ^ data.draw(st.integers(1, 255))])
        + body[position + 1 :]
    )
    with pytest.raises(protocol.SignatureError):
        protocol.verify(headers, changed, [protocol.signing_key(secret)], now=NOW)
    if other != secret:
        with pytest.raises(protocol.SignatureError):
            protocol.verify(headers, body, [protocol.signing_key(other)], now=NOW)


@PROPERTIES
@given(
    st.dictionaries(
        st.sampled_from(["webhook-id", "webhook-timestamp", "webhook-signature"]), header_text
    ),
    st.binary(max_size=50),
    secrets_,
)
def test_any_headers_are_verified_or_refused_with_the_verifiers_own_error(
    headers: dict[str, str], body: bytes, secret: str
) -> None:
    try:
        protocol.verify(headers, body, [protocol.signing_key(secret)], now=NOW)
    except protocol.SignatureError:
        return
    pytest.fail("headers that no secret signed were accepted")
