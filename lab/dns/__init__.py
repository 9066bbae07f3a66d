"""The lab's DNS: two real BIND (``named``) instances serving the test zone on loopback.

* ``primary``   on 127.0.0.1:<port>: the zone is dynamic (RFC 2136, TSIG key ``lab-update``,
  hmac-sha256); it sends NOTIFY to the secondary after each change.
* ``secondary`` on 127.0.0.2:<port> and [::1]:<port>: a real secondary (AXFR/IXFR from the primary,
  TSIG-signed transfers).

``hold`` makes the primary refuse zone transfers, so the secondary keeps serving the old zone (a real
propagation lag); ``release`` allows them again and asks the secondary to refresh.

Nothing here imports from ``plugins/``; only the standard library is used.
"""
