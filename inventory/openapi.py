"""The read API described as OpenAPI 3.0 (served at /api/schema/, views.api.schema), built from the same constants
the API reads its parameters with (inventory.parsing, views.api's limits, the export's columns), so that the two
cannot drift apart. tests/test_api_schema.py validates it and fuzzes the API against it with schemathesis."""

from __future__ import annotations

from typing import Any

from inventory.models import Scope, Trede
from inventory.parsing import YEARS
from inventory.selectors.figures import AGGREGATE_COLUMNS
from inventory.selectors.headcounts import HEADCOUNT_COLUMNS
from inventory.services.suppression import SECONDARY_MARK, primary_mark

# The API's paging limits (views.api reads limit and offset with these).
PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10000
MAX_OFFSET = 10**9
# The parameters both endpoints read: each may repeat or hold commas (year=2018,2019), except limit and offset.
FILTERS = ("year", "region", "trede", "measure", "scope")
PAGING = ("limit", "offset")
# The public API (/cijfers/api/aggregates/, opendata/views/api.py) reads the edition first, then the same ones.
PUBLIC_PARAMETERS = ("edition", *FILTERS, *PAGING)

_NULLABLE_TEXT = {"type": "string", "nullable": True}
_NULLABLE_INTEGER = {"type": "integer", "nullable": True}

AGGREGATE_ROW: dict[str, Any] = {
    "year": {"type": "integer"},
    "region": {"type": "string", "description": "REFNIS code or region grouping code"},
    "region_name": {"type": "string"},
    "level": {"type": "string", "description": "gewest, provincie, arrondissement, gemeente or regio-indeling"},
    "trede": {**_NULLABLE_INTEGER, "description": "empty for the headline total of treden 3-5"},
    "group": {"type": "string", "description": "measure group; empty for a trede or headline total"},
    "measure": {**_NULLABLE_TEXT, "description": "measure code; empty for a total"},
    "persons": {"type": "integer"},
    "scope": {"type": "string", "enum": list(Scope.values)},
    "computed_at": {"type": "string", "format": "date-time"},
}
HEADCOUNT_ROW: dict[str, Any] = {
    "year": {"type": "integer"},
    "organisation": {"type": "string", "description": "KBO number, 10 digits"},
    "organisation_name": {"type": "string"},
    "measure": {"type": "string"},
    "trede": {"type": "integer"},
    "group": {"type": "string"},
    "region": {"type": "string", "description": "REFNIS code"},
    "region_name": {"type": "string"},
    "persons": {"type": "integer"},
    "fte": {"type": "string", "nullable": True, "description": "full-time equivalents, a decimal as text (12.50)"},
    "status": {"type": "string"},
    "scope": {"type": "string", "enum": list(Scope.values)},
    "estimated": {
        "type": "boolean",
        "description": "a supplier's hidden small count stored as an estimate: counted in sums, never published alone",
    },
}
# The rows' properties are the export's columns, in their order.
assert list(AGGREGATE_ROW) == AGGREGATE_COLUMNS
assert list(HEADCOUNT_ROW) == HEADCOUNT_COLUMNS


def _list_of(items: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "array", "items": items, "description": description}


def _number_or_empty(low: int, high: int) -> dict[str, Any]:
    # An empty value (year=) asks for no filter, as no parameter does.
    return {"oneOf": [{"type": "integer", "minimum": low, "maximum": high}, {"type": "string", "enum": [""]}]}


def parameters() -> list[dict[str, Any]]:
    """The query parameters of both endpoints, as the API parses them (inventory.parsing.parameter_number)."""
    low, high = YEARS
    treden = sorted(Trede.values)
    spec = {
        "year": _list_of(_number_or_empty(low, high), "years in ASCII digits; empty: every year"),
        "region": _list_of({"type": "string"}, "REFNIS or region grouping codes (an unknown one: 400)"),
        "trede": _list_of(_number_or_empty(treden[0], treden[-1]), "rungs 3-6; empty: every rung"),
        "measure": _list_of({"type": "string"}, "measure codes (an unknown one: 400)"),
        "scope": {"type": "string", "enum": [*Scope.values, ""], "default": Scope.VALIDATED},
        "limit": {"type": "integer", "minimum": 0, "maximum": MAX_PAGE_SIZE, "default": PAGE_SIZE},
        "offset": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
    }
    return [
        {"name": name, "in": "query", "required": False, "schema": schema, "style": "form", "explode": True}
        for name, schema in spec.items()
    ]


def public_parameters() -> list[dict[str, Any]]:
    """The public API's: an edition's slug, then the staff API's filters (scope only validated) and paging."""
    staff = {p["name"]: p for p in parameters()}
    staff["scope"] = {**staff["scope"], "schema": {"type": "string", "enum": [Scope.VALIDATED, ""]}}
    edition = {
        "name": "edition",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "an edition's slug (/cijfers/api/ lists them); default: the latest current edition that "
        "was complete when published (an unknown slug: 400)",
    }
    return [edition, *(staff[name] for name in (*FILTERS, *PAGING))]


def _page(row: dict[str, Any], freshness: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["count", "offset", "limit", "freshness", "results"],
        "properties": {
            "count": {"type": "integer", "minimum": 0},
            "offset": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 0},
            "freshness": freshness,
            **extra,
            "results": {
                "type": "array",
                "items": {"type": "object", "required": list(row), "properties": row},
            },
        },
    }


_ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string", "description": "in Dutch (English with Accept-Language: en)"}},
}


def _responses(page: dict[str, Any]) -> dict[str, Any]:
    def json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    return {
        "200": json("a page of results", page),
        "400": json("a parameter's value is not valid; `detail` names the parameter and the value", _ERROR),
        "401": json("no session and no valid API key", _ERROR),
        "403": json("not for this user (the reason in `detail`)", _ERROR),
    }


def _json(description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}, **extra}


def _public_responses(page: dict[str, Any]) -> dict[str, Any]:
    """No 401 or 403 (no key, nothing private); 429 when a client address asks too often."""
    too_many = _json(
        "more than PUBLIC_API_RATE requests from this client address in PUBLIC_API_WINDOW_SECONDS",
        {**_ERROR, "properties": {**_ERROR["properties"], "retry_after": {"type": "integer", "minimum": 1}}},
        headers={
            "Retry-After": {
                "description": "seconds until the client address may ask again",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    )
    return {
        "200": _json("a page of results", page),
        "400": _json("a parameter's value is not valid; `detail` names the parameter and the value", _ERROR),
        "404": _json("no edition is published yet", _ERROR),
        "429": too_many,
    }


def public_schema() -> dict[str, Any]:
    """The public API's operations (opendata/views/api.py): no key; every count protected."""
    persons = {
        "oneOf": [
            {"type": "integer", "minimum": 0},
            {"type": "string", "enum": [primary_mark(), SECONDARY_MARK]},
        ],
        "description": f"the number of persons, or the mark of a hidden count: {primary_mark()} (1 to the "
        f"threshold - 1) or {SECONDARY_MARK} (hidden so that no small count follows from a total), as in the "
        "public downloads",
    }
    row = {**AGGREGATE_ROW, "persons": persons, "scope": {"type": "string", "enum": [Scope.VALIDATED]}}
    edition = {
        "type": "object",
        "required": ["slug", "name", "reference_year", "published_on", "withdrawn", "links"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "reference_year": {"type": "integer"},
            "published_on": {"type": "string", "format": "date"},
            "complete": {"type": "boolean", "description": "its reference year was complete when published"},
            "withdrawn": {"type": "boolean"},
            "withdrawn_at": {"type": "string", "format": "date-time", "nullable": True},
            "withdrawn_reason": _NULLABLE_TEXT,
            "next_edition_on": {"type": "string", "format": "date", "nullable": True},
            "licence": {"type": "string"},
            "licence_url": {"type": "string"},
            "links": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    freshness = {
        "type": "object",
        "properties": {
            "edition": {"type": "string"},
            "published_on": {"type": "string", "format": "date"},
            "frozen_at": {"type": "string", "format": "date-time"},
        },
    }
    page = _page(
        row,
        freshness,
        edition=edition,
        year_states={"type": "object", "additionalProperties": {"type": "object"}},
        small_cell_threshold={"type": "integer"},
        legend={"type": "object", "additionalProperties": {"type": "string"}},
    )
    page["required"] = [*page["required"], "edition"]
    index = {
        "type": "object",
        "required": ["editions", "withdrawn_editions", "default_edition"],
        "properties": {
            "description": {"type": "string"},
            "schema": {"type": "string"},
            "aggregates": {"type": "string"},
            "default_edition": _NULLABLE_TEXT,
            "editions": {"type": "array", "items": edition},
            "withdrawn_editions": {"type": "array", "items": edition},
        },
    }
    responses = _public_responses(page)
    no_key: list[dict[str, list[str]]] = []
    return {
        "/cijfers/api/": {
            "get": {
                "operationId": "public_index",
                "summary": "The published editions with their slugs and links (no key)",
                "parameters": [],
                "security": no_key,
                "responses": {"200": _json("the editions", index), "429": responses["429"]},
            }
        },
        "/cijfers/api/aggregates/": {
            "get": {
                "operationId": "public_aggregates",
                "summary": "An edition's published figures, small counts hidden (no key; CORS open)",
                "parameters": public_parameters(),
                "security": no_key,
                "responses": responses,
            }
        },
    }


def openapi_schema() -> dict[str, Any]:
    aggregates_freshness = {
        "type": "object",
        "properties": {
            "computed_at": {"type": "string", "format": "date-time", "nullable": True},
            "recompute_pending": {"type": "boolean"},
            "pending_years": {"type": "array", "items": {"type": "integer"}},
        },
    }
    headcounts_freshness = {
        "type": "object",
        "properties": {
            "live": {"type": "boolean"},
            "last_changed": {"type": "string", "format": "date-time", "nullable": True},
        },
    }
    year_states = {
        "type": "object",
        "description": "each year's state (collecting, complete, published) for the years asked and returned",
        "additionalProperties": {"type": "object"},
    }
    security: list[dict[str, list[str]]] = [{"session": []}, {"token": []}]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Inventaris sociale economie",
            "version": "1.0",
            "description": (
                "Read API of POM West-Vlaanderen's inventory: aggregates and headcounts in the export's columns. "
                "Staff and coordinators read aggregates; provisional figures are for staff; organisation users "
                "read their own organisations' headcounts. Under /cijfers/api/ the published editions' figures "
                "are public: no key, small counts hidden, at most PUBLIC_API_RATE requests per client address and "
                "window (then 429 with Retry-After)."
            ),
        },
        "paths": {
            "/api/aggregates/": {
                "get": {
                    "operationId": "aggregates",
                    "summary": "Aggregates per year, region, trede and measure",
                    "parameters": parameters(),
                    "security": security,
                    "responses": _responses(
                        _page(AGGREGATE_ROW, aggregates_freshness, year_states=year_states),
                    ),
                }
            },
            "/api/headcounts/": {
                "get": {
                    "operationId": "headcounts",
                    "summary": "Headcounts per submission, measure and region (read live)",
                    "parameters": parameters(),
                    "security": security,
                    "responses": _responses(_page(HEADCOUNT_ROW, headcounts_freshness)),
                }
            },
            **public_schema(),
        },
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Token <key>`, a key made by `manage.py create_api_token`",
                },
            }
        },
    }
