"""SMTP smart hosts for Validate-OutboundConnector: a small SMTP server (EHLO, STARTTLS, MAIL, RCPT, DATA)
and the validation client that connects to each smart host of a connector.

Smart host names are resolved through the tenant's ``smart_hosts`` map (``python -m lab exo smarthost``):
``lab`` means the lab's own listener, anything else is ``host:port``.  IP literals are tried on port 25.
Names that are not in the map fail the "Resolve" task (the lab does no DNS; lab choice).
"""

import ipaddress
import smtplib
import socket
import socketserver
import ssl
import threading

CONNECT_TIMEOUT = 5.0


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def _send(self, line):
        self.wfile.write((line + "\r\n").encode("ascii"))
        self.wfile.flush()

    def handle(self):
        server = self.server
        server.on_event("session")
        tls = False
        self._send(f"220 {server.banner_name} ESMTP lab smart host ready")
        mail_from, rcpts = None, []
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                if verb == "HELO":
                    self._send(f"250 {server.banner_name}")
                    continue
                lines = [server.banner_name, "PIPELINING", "SIZE 36700160", "8BITMIME"]
                if server.ssl_context and not tls:
                    lines.append("STARTTLS")
                for item in lines[:-1]:
                    self._send("250-" + item)
                self._send("250 " + lines[-1])
            elif verb == "STARTTLS" and server.ssl_context and not tls:
                self._send("220 2.0.0 Ready to start TLS")
                try:
                    wrapped = server.ssl_context.wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                self.connection = self.request = wrapped
                self.rfile = wrapped.makefile("rb")
                self.wfile = wrapped.makefile("wb")
                tls = True
            elif verb == "MAIL":
                mail_from, rcpts = line[10:].strip(), []
                self._send("250 2.1.0 Sender OK")
            elif verb == "RCPT":
                if mail_from is None:
                    self._send("503 5.5.1 Need MAIL first")
                    continue
                rcpts.append(line[8:].strip())
                self._send("250 2.1.5 Recipient OK")
            elif verb == "DATA":
                if not rcpts:
                    self._send("503 5.5.1 Need RCPT first")
                    continue
                self._send("354 Start mail input; end with <CRLF>.<CRLF>")
                while True:
                    data = self.rfile.readline(65536)
                    if not data or data.rstrip(b"\r\n") == b".":
                        break
                server.on_event("message")
                self._send("250 2.6.0 Queued as LAB")
                mail_from, rcpts = None, []
            elif verb == "RSET":
                mail_from, rcpts = None, []
                self._send("250 2.0.0 OK")
            elif verb == "NOOP":
                self._send("250 2.0.0 OK")
            elif verb == "QUIT":
                self._send("221 2.0.0 Bye")
                return
            else:
                self._send("502 5.5.2 Command not implemented")


class SmartHostServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, certfile, keyfile, on_event, banner_name="smarthost.lab.test"):
        super().__init__(("127.0.0.1", port), _Handler)
        self.ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ssl_context.load_cert_chain(certfile, keyfile)
        self.on_event = on_event
        self.banner_name = banner_name
        self.thread = threading.Thread(target=self.serve_forever, name="exo-smtp", daemon=True)

    def start(self):
        self.thread.start()
        return self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()


def _resolve(host, smart_hosts, lab_port):
    target = smart_hosts.get(host.lower())
    if target == "lab":
        return "127.0.0.1", lab_port
    if target:
        name, _sep, port = target.rpartition(":")
        return name, int(port)
    try:
        return str(ipaddress.ip_address(host)), 25
    except ValueError:
        return None


def validate(connector, recipients, smart_hosts, lab_port, ca_path, sender):
    """Run the validation tasks; return the per-task result records (lab shape, see README)."""
    results = []

    def task(name, target, ok, details):
        results.append({"TaskName": name, "Target": target, "IsTaskSuccessful": ok,
                        "TaskResult": "Succeeded" if ok else "Failed", "Details": details})
        return ok

    tls_settings = connector.get("TlsSettings")
    hosts = connector.get("SmartHosts") or []
    if connector.get("UseMXRecord") or not hosts:
        task("Resolve", "MX", False, "MX lookups aren't available in the lab; use smart hosts.")
        return results
    usable = None
    for host in hosts:
        address = _resolve(host, smart_hosts, lab_port)
        if not task("Resolve", host, address is not None,
                    f"Resolved {host} to {address[0]}:{address[1]}." if address else
                    f"The smart host '{host}' couldn't be resolved."):
            continue
        try:
            client = smtplib.SMTP(timeout=CONNECT_TIMEOUT)
            code, banner = client.connect(address[0], address[1])
            # SNI and the hostname check use the smart host name
            client._host = host  # pylint: disable=protected-access
        except (OSError, smtplib.SMTPException) as exc:
            task("Connect", host, False, f"Couldn't connect to {host} ({address[0]}:{address[1]}): {exc}")
            continue
        task("Connect", host, True, f"Connected to {address[0]}:{address[1]}: {code} {banner.decode(errors='replace')}")
        try:
            code, _text = client.ehlo("mailopslab.mail.protection.outlook.com")
            if not task("SMTP EHLO", host, code == 250, f"EHLO answered {code}."):
                client.close()
                continue
            offered = client.has_extn("starttls")
            if tls_settings and not offered:
                task("STARTTLS", host, False, f"TLS is required ({tls_settings}) but {host} doesn't offer STARTTLS.")
                client.close()
                continue
            if offered:
                context = ssl.create_default_context(cafile=ca_path)
                if tls_settings in (None, "EncryptionOnly"):
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                elif tls_settings == "CertificateValidation":
                    context.check_hostname = False
                try:
                    if tls_settings == "DomainValidation":
                        context.check_hostname = True
                        client._host = connector.get("TlsDomain") or host  # pylint: disable=protected-access
                    client.starttls(context=context)
                    client.ehlo("mailopslab.mail.protection.outlook.com")
                    task("STARTTLS", host, True, f"TLS established ({client.sock.version()}).")
                except (ssl.SSLError, ssl.CertificateError, OSError, ValueError, smtplib.SMTPException) as exc:
                    task("STARTTLS", host, False, f"TLS negotiation with {host} failed: {exc}")
                    client.close()
                    continue
            if usable is None:
                usable = client
            else:
                client.quit()
        except (OSError, smtplib.SMTPException) as exc:
            task("SMTP EHLO", host, False, f"SMTP dialogue with {host} failed: {exc}")
    if usable is None:
        for recipient in recipients:
            task("Send test email", recipient, False, "No smart host passed the connectivity tests.")
        return results
    for recipient in recipients:
        message = (f"From: {sender}\r\nTo: {recipient}\r\nSubject: Connector validation test ("
                   f"{connector['Name']})\r\n\r\nThis message was sent to validate an outbound connector.\r\n")
        try:
            refused = usable.sendmail(sender, [recipient], message)
            task("Send test email", recipient, not refused, "Delivered to the smart host." if not refused
                 else f"Refused: {refused}")
        except (OSError, smtplib.SMTPException) as exc:
            task("Send test email", recipient, False, f"Sending to {recipient} failed: {exc}")
    try:
        usable.quit()
    except (OSError, smtplib.SMTPException):
        pass
    return results


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port
