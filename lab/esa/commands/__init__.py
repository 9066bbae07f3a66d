"""The CLI commands of the simulated ESA, collected into one registry."""

from ..registry import build_registry
from . import cluster, smtproutes, system

REGISTRY = build_registry(system.COMMANDS, cluster.COMMANDS, smtproutes.COMMANDS)
