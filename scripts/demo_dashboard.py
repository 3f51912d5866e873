"""The demo home's default dashboard: the kitchen fridge, as scripts/develop installs it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

# The dashboard's short names (the entities' own begin with the fridge's name, cut off in a tile).
TILE_NAMES: Final = {
    "status": "Status",
    "health_score": "Health",
    "needs_service": "Needs service",
    "cooling_problem": "Cooling",
    "compressor_problem": "Compressor",
    "defrost_problem": "Defrost",
    "door_problem": "Door",
    "sensors_problem": "Sensors",
    "power_problem": "Power",
    "time_to_unsafe": "Fridge food safe for",
    "freezer_time_to_unsafe": "Freezer food safe for",
    "food_exposure": "Time above 4 °C",
    "service_ticket": "Service ticket",
    "technician_visit": "Technician visit",
    "request_service": "Request service",
    "automatic_service_requests": "Automatic requests",
    "duty_cycle": "Duty cycle",
    "starts_per_hour": "Starts per hour",
    "energy_per_day": "Energy per day",
    "learning_progress": "Learning",
}


def _tiles(entities: Mapping[str, str], *keys: str) -> list[dict[str, Any]]:
    return [
        {"type": "tile", "entity": entities[key], "name": TILE_NAMES.get(key, key)}
        for key in keys
        if key in entities
    ]


def dashboard_config(entities: Mapping[str, str]) -> dict[str, Any]:
    """The fridge's dashboard: health, food safety, the technician, the compressor."""
    problems = [key for key in entities if key.endswith("_problem")]
    notice = entities.get("service_ticket", "")
    sections: list[dict[str, Any]] = [
        {
            "type": "grid",
            "cards": [
                {"type": "heading", "heading": "Kitchen fridge", "icon": "mdi:fridge-outline"},
                *_tiles(entities, "status", "health_score", "needs_service"),
                *_tiles(entities, *problems),
            ],
        },
        {
            "type": "grid",
            "cards": [
                {"type": "heading", "heading": "Is my food safe?", "icon": "mdi:food-steak"},
                *_tiles(entities, "time_to_unsafe", "freezer_time_to_unsafe", "food_exposure"),
                {
                    "type": "history-graph",
                    "title": "Compartments",
                    "hours_to_show": 2,
                    "entities": [
                        "sensor.simulated_fridge_temperature",
                        "sensor.simulated_freezer_temperature",
                    ],
                },
            ],
        },
        {
            "type": "grid",
            "cards": [
                {"type": "heading", "heading": "Technician", "icon": "mdi:account-wrench"},
                *_tiles(entities, "service_ticket", "technician_visit"),
                {
                    "type": "markdown",
                    "content": (
                        f"{{{{ state_attr('{notice}', 'notice') "
                        "or 'No technician is needed now.' }}"
                    ),
                },
                *_tiles(entities, "request_service", "automatic_service_requests"),
            ],
        },
        {
            "type": "grid",
            "cards": [
                {"type": "heading", "heading": "Compressor", "icon": "mdi:engine-outline"},
                *_tiles(
                    entities,
                    "duty_cycle",
                    "starts_per_hour",
                    "energy_per_day",
                    "learning_progress",
                ),
            ],
        },
    ]
    return {
        "title": "Kitchen fridge",
        "views": [
            {
                "title": "Kitchen",
                "path": "kitchen",
                "icon": "mdi:fridge-outline",
                "type": "sections",
                "max_columns": 4,
                "sections": sections,
            }
        ],
    }
