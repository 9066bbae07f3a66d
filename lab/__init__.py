"""Local lab for the mailops.secure_email collection.

``python -m lab up|down|status|config|reset|fault`` runs a simulated Cisco ESA
(AsyncOS CLI over SSH) on loopback.  See ``lab/README.md``.
"""
