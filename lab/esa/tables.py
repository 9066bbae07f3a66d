"""Validation of whole tables given as JSON (``python -m lab seed``)."""

from .destinations import DestError, normalise_table as normalise_destination_controls
from .listeners import RatError, normalise_listeners
from .message_filters import FilterError, normalise_filters
from .routes import RouteError, canonical_domain, parse_destination_list, sort_routes
from .tls_settings import SslError, normalise_ssl

TABLES = ("smtp_routes", "destination_controls", "listeners", "bounce_profiles", "filters", "ssl")


class TableError(ValueError):
    """The JSON value does not describe a valid table."""


def _routes(value):
    if not isinstance(value, list):
        raise TableError("smtp_routes must be a JSON list")
    routes = []
    for item in value:
        if not isinstance(item, dict) or "domain" not in item or "destinations" not in item:
            raise TableError('each route needs "domain" and "destinations"')
        destinations = item["destinations"]
        text = destinations if isinstance(destinations, str) else ",".join(destinations)
        routes.append({"domain": canonical_domain(item["domain"]), "destinations": parse_destination_list(text)})
    return sort_routes(routes)


def _profiles(value):
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise TableError("bounce_profiles must be a JSON list of names")
    return ["Default"] + [item for item in value if item != "Default"]


def normalise_table(table, value):
    """Validate and complete ``value`` for ``table``; raises TableError."""
    handlers = {"smtp_routes": _routes, "destination_controls": normalise_destination_controls,
                "listeners": normalise_listeners, "bounce_profiles": _profiles, "filters": normalise_filters,
                "ssl": normalise_ssl}
    if table not in handlers:
        raise TableError(f"unknown table {table}; one of {', '.join(TABLES)}")
    try:
        return handlers[table](value)
    except (RouteError, DestError, RatError, FilterError, SslError, KeyError, TypeError, ValueError) as exc:
        raise TableError(f"invalid {table}: {exc}") from None
