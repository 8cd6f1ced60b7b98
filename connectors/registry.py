"""The connectors by name: each entry says which module and class build it.

Connectors do not register themselves: this list is the one place that names them, and a
connector's module is imported only when it is first asked for.
"""

from __future__ import annotations

from importlib import import_module

from connectors.base import Connector, UnknownConnector

CONNECTORS: dict[str, str] = {
    "alpinebits": "connectors.alpinebits:AlpineBitsConnector",
    "opentravel": "connectors.opentravel:OpenTravelConnector",
    "apaleo": "connectors.apaleo:ApaleoConnector",
    "mews": "connectors.mews:MewsConnector",
    "cloudbeds": "connectors.cloudbeds:CloudbedsConnector",
}


def get_connector(name: str) -> Connector:
    """A new connector for `name`; UnknownConnector when there is none of that name."""
    try:
        module, _, factory = CONNECTORS[name].partition(":")
    except KeyError:
        raise UnknownConnector(name) from None
    return getattr(import_module(module), factory)()


def connector_names() -> list[str]:
    return sorted(CONNECTORS)
