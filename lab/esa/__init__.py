"""Simulated Cisco Secure Email Gateway (ESA, AsyncOS) for the lab.

The CLI engine (``engine``) is transport-free and importable without paramiko;
``ssh_server`` puts a paramiko SSH server in front of it.
"""
