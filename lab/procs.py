"""Process and port checks shared by the lab's servers (ESA, Exchange, BIND, Route 53)."""

import os
import socket


def pid_alive(pid, *markers):
    """True when ``pid`` runs and is not a zombie, and (when given) its command line holds every marker.

    A process of another user (PermissionError) or a /proc that cannot be read counts as alive: the caller then
    finds out from the port, never by killing something it does not own."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            if handle.read().split(b")")[-1].split()[0] == b"Z":
                return False
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read()
    except (OSError, IndexError):
        return True
    return not cmdline or all(marker.encode() in cmdline for marker in markers)


def port_open(host, port, timeout=1.0):
    """True when something accepts a TCP connection on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
