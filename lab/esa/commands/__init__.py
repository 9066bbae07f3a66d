"""The CLI commands of the simulated ESA, collected into one registry."""

from ..registry import build_registry
from . import bounceconfig, cluster, destconfig, filters, listenerconfig, network, smtproutes, sslconfig, system

REGISTRY = build_registry(system.COMMANDS, cluster.COMMANDS, smtproutes.COMMANDS, destconfig.COMMANDS,
                          listenerconfig.COMMANDS, network.COMMANDS, bounceconfig.COMMANDS, filters.COMMANDS,
                          sslconfig.COMMANDS)
