"""Release profiles of the simulated appliance (``Appliance(release=...)``, ``python -m lab up --release R``).

Each profile follows one release directory of Cisco's public CLI test library (``dharma412/PythonClass``,
commit b79a424, ``csa/testlib/phoebeNNNN/cli/ctor/``); docs/asyncos-cli.md names the sections.  The library
ends at 14.1.1 (phoebe1411); the ``16.0`` profile repeats 14.1 and is **reconstructed** beyond that
(docs/asyncos-cli.md §12 item 12: nothing public covers 14.2 or later).

Feature flags (where each comes from):

* ``dane``: destconfig NEW/EDIT ``wish to configure DANE Support`` / ``choose a DANE option`` and DEFAULT
  ``use DANE Support`` from phoebe1200 (``phoebe1200/cli/ctor/destconfig.py``; absent in
  ``phoebe1100/cli/ctor/destconfig.py``), docs/asyncos-cli.md §7.
* ``dialog_pager``: output inside dialogues (menus, lists, questions) pages at ``-Press Any Key For More-``
  from phoebe1200 (``_process_input`` in ``phoebe1200/cli/ctor/clictorbase.py``; phoebe1100 has no pager
  handling in dialogues), docs/asyncos-cli.md §1.
* ``colon_prompt``: sub-prompts containing ``:>`` are accepted from phoebe1200 (``_sub_prompt`` in
  ``phoebe1200/cli/ctor/clictorbase.py``); the lab uses the form for the sender-group COUNTRY / EXTERNAL THREAT
  FEED SOURCE ADD/DELETE answers and the 13.8.7+ sslconfig ENABLE/DISABLE verbs (reconstructed: no source
  names a question in that form).
* ``threat_feed``: sender-group verb ``EXTERNAL THREAT FEED SOURCE`` from phoebe1200
  (``phoebe1200/cli/ctor/listenerconfig.py``), docs/asyncos-cli.md §8.
* ``tls_renegotiation``: sslconfig INBOUND ``TLS Renegotiation for inbound SMTP`` and GUI
  ``TLS Renegotiation for GUI HTTPS`` from phoebe1300 (``phoebe1300/cli/ctor/sslconfig.py``), §10.
* ``ssl_peer_verbs``: sslconfig ``OTHER_CLIENT_TLSV10``, ``PEER_CERT_FQDN``, ``PEER_CERT_X509`` from phoebe1387
  (``phoebe1387/cli/ctor/sslconfig.py``; the 13.5 profile, phoebe1350, has none), §10.
* ``hat_scan_params``: HAT policy parameters SDR, Outbreak Filters, Advanced Phishing Protection, Graymail,
  Content Filters, Message Filters after anti-virus and before TLS, from phoebe1387
  (``EditHatParameters._edit_hat_params`` in ``phoebe1387/cli/ctor/listenerconfig.py``), §8.
* ``ssl_style``: how the sslconfig settings block and the method list look (reconstructed per release:
  the library gives only ``Label: value`` lines, labels whose case varies and the method-label hints of
  ``csa/resources/esa/global.txt``, docs/asyncos-cli.md §10).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Release:
    name: str               # profile name (``--release``)
    directory: str          # library release directory the profile follows
    version: str            # ``Version:`` value; build numbers are reconstructed
    dane: bool
    dialog_pager: bool
    colon_prompt: bool
    threat_feed: bool
    tls_renegotiation: bool
    ssl_peer_verbs: bool
    hat_scan_params: bool
    ssl_style: str          # "11" | "13" | "14" | "16"
    reconstructed: bool = False   # True: beyond the library (16.0)

    @property
    def release(self):
        """``14.1.1`` of ``14.1.1-010``."""
        return self.version.split("-")[0]

    @property
    def tls13(self):
        """TLS 1.3 in the sslconfig method lists (reconstructed: 16.0 only)."""
        return self.ssl_style == "16"


RELEASES = {
    # version 11.0.0 from the runner's rule (csa/bin/pybot_run get_dut_lib_version: phoebe1100 <- 11.0.0);
    # build number "-264" reconstructed.
    "11.0": Release("11.0", "phoebe1100", "11.0.0-264", dane=False, dialog_pager=False, colon_prompt=False,
                    threat_feed=False, tls_renegotiation=False, ssl_peer_verbs=False, hat_scan_params=False,
                    ssl_style="11"),
    # phoebe1350 <- 13.5.0; build "-230" reconstructed.
    "13.5": Release("13.5", "phoebe1350", "13.5.0-230", dane=True, dialog_pager=True, colon_prompt=True,
                    threat_feed=True, tls_renegotiation=True, ssl_peer_verbs=False, hat_scan_params=False,
                    ssl_style="13"),
    # phoebe1411 <- 14.1.1; build "-010" reconstructed.
    "14.1": Release("14.1", "phoebe1411", "14.1.1-010", dane=True, dialog_pager=True, colon_prompt=True,
                    threat_feed=True, tls_renegotiation=True, ssl_peer_verbs=True, hat_scan_params=True,
                    ssl_style="14"),
    # AsyncOS 16.0.3 (the release of Cisco's sample deployment script, docs/asyncos-cli.md §12 item 1);
    # reconstructed: the library ends at phoebe1411, so every dialogue repeats 14.1 and build "-020" is invented.
    "16.0": Release("16.0", "phoebe1411", "16.0.3-020", dane=True, dialog_pager=True, colon_prompt=True,
                    threat_feed=True, tls_renegotiation=True, ssl_peer_verbs=True, hat_scan_params=True,
                    ssl_style="16", reconstructed=True),
}

DEFAULT_RELEASE = "14.1"
RELEASE_ENV = "LAB_RELEASE"


def get_release(release=None):
    """A :class:`Release` from a profile name (``None`` = the default profile), or the Release itself."""
    if isinstance(release, Release):
        return release
    name = str(release or DEFAULT_RELEASE).strip()
    if name not in RELEASES:
        raise ValueError(f"unknown release profile {name!r}; choose one of {', '.join(RELEASES)}")
    return RELEASES[name]
