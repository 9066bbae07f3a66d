"""The lab's Exchange Online: an HTTPS InvokeCommand gateway, an Entra-style token endpoint and
SMTP smart hosts on loopback (see ``lab/README.md``, section "Exchange Online").

``python -m lab up`` starts it next to the ESA; ``python -m lab exo ...`` (or ``python -m lab.exo ...``)
controls it on its own.
"""
