"""The OpenAPI 3.1 document, generated from the voluptuous schemas of :mod:`contract`.

``python -m webhook_server openapi > webhook_server/openapi.json`` refreshes the committed copy;
a test fails when the copy and the schemas disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any, Final

import voluptuous as vol
from voluptuous_openapi import (  # type: ignore[import-untyped]  # ships no py.typed
    UNSUPPORTED,
    OpenApiVersion,
    convert,
)

from webhook_server import __version__, contract, problems
from webhook_server.problems import PROBLEM_CONTENT_TYPE, ProblemType

_FORMATS: Final[dict[Callable[..., Any], dict[str, Any]]] = {
    contract.timestamp: {"type": "string", "format": "date-time"},
    contract.number: {"type": "number"},
}


def _serializer(schema: object) -> object:
    for validator, openapi in _FORMATS.items():
        if schema is validator:
            return dict(openapi)
    return UNSUPPORTED


_COUNT_KEYWORDS: Final = {
    "array": {"minLength": "minItems", "maxLength": "maxItems"},
    "object": {"minLength": "minProperties", "maxLength": "maxProperties"},
}


def _closed(node: object) -> object:
    """Say what voluptuous means: fixed-property objects reject extras; Length counts items."""
    if isinstance(node, dict):
        result = {key: _closed(value) for key, value in node.items()}
        kind = result.get("type")
        renames = _COUNT_KEYWORDS.get(kind, {}) if isinstance(kind, str) else {}
        for old, new in renames.items():
            if old in result:
                result[new] = result.pop(old)
        if kind == "object" and "properties" in result:
            result.setdefault("additionalProperties", False)
        return result
    if isinstance(node, list):
        return [_closed(item) for item in node]
    return node


def schema_of(schema: vol.Schema) -> dict[str, Any]:
    """OpenAPI 3.1 schema object of a voluptuous schema."""
    converted = convert(schema, custom_serializer=_serializer, openapi_version=OpenApiVersion.V3_1)
    result = _closed(converted)
    assert isinstance(result, dict)
    return result


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problems(*kinds: ProblemType) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for kind in sorted(kinds, key=lambda item: (item.status, item.slug)):
        entry = answers.setdefault(
            str(kind.status),
            {"description": "", "content": {PROBLEM_CONTENT_TYPE: {"schema": _ref("Problem")}}},
        )
        line = f"`{kind.uri}`: {kind.title}."
        entry["description"] = f"{entry['description']} {line}".strip()
    return answers


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


_SIGNATURE_HEADERS: Final = [
    {
        "name": "webhook-id",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "Standard Webhooks message id (use the ticket id).",
    },
    {
        "name": "webhook-timestamp",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
        "description": (
            "Unix seconds; must be within 5 minutes of the server clock. Sign every attempt "
            "anew with the current time: the same signed request twice is refused as a replay."
        ),
    },
    {
        "name": "webhook-signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "Space-separated `v1,<base64 HMAC-SHA256>` over `id.timestamp.body`.",
    },
]

_ALWAYS: Final = (problems.INTERNAL,)


def document() -> dict[str, Any]:
    """Return the whole OpenAPI 3.1 document of the service."""
    p = problems
    ticket_path = {
        "post": {
            "operationId": "createTicket",
            "summary": "Deliver a pre-diagnosed ticket from an appliance",
            "description": (
                "Signed per Standard Webhooks with the appliance's secret. The ticket id is the "
                "idempotency key: a repeat with the same body returns the stored first answer "
                "(200), a different body is a 422, a repeat while the first is in hand a 409. "
                "A repeat is a retry signed again with a new webhook-timestamp; the exact same "
                "signed request again (same webhook-id, timestamp and body) is a replay, refused "
                "with a 401. The answer comes only after the ticket is durably stored, triaged "
                "and booked."
            ),
            "tags": ["appliances"],
            "security": [{"standardWebhooks": []}],
            "parameters": _SIGNATURE_HEADERS,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("Ticket")}},
            },
            "responses": {
                "201": _json("TicketState", "Ticket stored, triaged and (when possible) booked."),
                "200": _json("TicketState", "A repeat delivery: the stored first answer."),
                **_problems(
                    p.MALFORMED_REQUEST,
                    p.INVALID_SIGNATURE,
                    p.REPLAYED,
                    p.IN_PROGRESS,
                    p.TOO_LARGE,
                    p.UNSUPPORTED_MEDIA_TYPE,
                    p.VALIDATION_FAILED,
                    p.KEY_REUSED,
                    p.UNAVAILABLE,
                    *_ALWAYS,
                ),
            },
        }
    }
    status_path = {
        "get": {
            "operationId": "getTicket",
            "summary": "Current state of a ticket",
            "description": (
                "Signed by the ticket's appliance over an empty body (same headers as "
                "createTicket; each read signed anew, a replayed one is a 401), or with the admin "
                "bearer token."
            ),
            "tags": ["appliances"],
            "security": [{"standardWebhooks": []}, {"adminToken": []}],
            "parameters": [
                {"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": _json("TicketState", "The ticket now (booking may have been moved)."),
                **_problems(p.INVALID_SIGNATURE, p.REPLAYED, p.NOT_FOUND, *_ALWAYS),
            },
        }
    }
    admin_problems = (p.UNAUTHORIZED, p.ADMIN_DISABLED, *_ALWAYS)
    body_problems = (
        p.MALFORMED_REQUEST,
        p.UNSUPPORTED_MEDIA_TYPE,
        p.TOO_LARGE,
        p.VALIDATION_FAILED,
    )
    appliances_path = {
        "post": {
            "operationId": "registerAppliance",
            "summary": "Register an appliance and issue its signing secret",
            "tags": ["admin"],
            "security": [{"adminToken": []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("Appliance")}},
            },
            "responses": {
                "201": _json("ApplianceCredentials", "Registered; the secret is shown only here."),
                **_problems(*body_problems, p.ALREADY_REGISTERED, *admin_problems),
            },
        }
    }
    rotation_path = {
        "post": {
            "operationId": "rotateApplianceSecret",
            "summary": "Issue a new signing secret; older ones work for 24 more hours",
            "tags": ["admin"],
            "security": [{"adminToken": []}],
            "parameters": [
                {
                    "name": "appliance_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "201": _json("ApplianceCredentials", "The new secret."),
                **_problems(p.NOT_FOUND, *admin_problems),
            },
        }
    }
    technicians_path = {
        "put": {
            "operationId": "loadTechnicians",
            "summary": "Create or update technicians (same shape as the roster file)",
            "tags": ["admin"],
            "security": [{"adminToken": []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("Roster")}},
            },
            "responses": {
                "200": {
                    "description": "How many technicians were loaded.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"loaded": {"type": "integer"}},
                                "required": ["loaded"],
                            }
                        }
                    },
                },
                **_problems(*body_problems, *admin_problems),
            },
        }
    }
    health_path = {
        "get": {
            "operationId": "health",
            "summary": "Liveness and database reachability",
            "tags": ["operations"],
            "responses": {
                "200": _json("Health", "Serving."),
                "503": _json("Health", "The database is unreachable."),
                **_problems(*_ALWAYS),
            },
        }
    }
    from webhook_server.booking import TECHNICIANS_FILE_SCHEMA  # noqa: PLC0415

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "FridgeCare manufacturer service",
            "version": __version__,
            "description": (
                "Pre-diagnosed refrigerator fault tickets in; a booked technician with the right "
                "part out. Errors are RFC 9457 problem documents."
            ),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "paths": {
            "/api/v1/tickets": ticket_path,
            "/api/v1/tickets/{ticket_id}": status_path,
            "/api/v1/appliances": appliances_path,
            "/api/v1/appliances/{appliance_id}/secrets": rotation_path,
            "/api/v1/technicians": technicians_path,
            "/api/v1/health": health_path,
        },
        "components": {
            "schemas": {
                "Ticket": schema_of(contract.TICKET),
                "TicketState": schema_of(contract.TICKET_STATE),
                "Appliance": schema_of(contract.APPLIANCE_REGISTRATION),
                "ApplianceCredentials": schema_of(contract.APPLIANCE_CREDENTIALS),
                "Roster": schema_of(TECHNICIANS_FILE_SCHEMA),
                "Health": schema_of(contract.HEALTH),
                "Problem": schema_of(contract.PROBLEM),
            },
            "securitySchemes": {
                "standardWebhooks": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "webhook-signature",
                    "description": (
                        "Standard Webhooks HMAC-SHA256 with the appliance's whsec_ secret."
                    ),
                },
                "adminToken": {"type": "http", "scheme": "bearer"},
            },
        },
    }


def committed_text() -> str:
    """Return the committed ``openapi.json`` as it is in the package."""
    return (resources.files("webhook_server") / "openapi.json").read_text(encoding="utf-8")


def rendered() -> str:
    """Return the document as committed: indented JSON with a final newline."""
    import json  # noqa: PLC0415

    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"
