# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-in for ``ssh -W %h:%p jumphost`` in the ProxyCommand test.

``python proxy_relay.py HOST PORT [LOG [WORDS...]]`` connects to HOST:PORT and
copies stdin to the socket and the socket to stdout until either side closes,
which is what an SSH ProxyCommand must do. With LOG, it first appends the
WORDS (for example the ``%h:%p`` that the connection plugin substituted) as
one line to that file, so a test can see that the relay ran and for what.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import select
import socket
import sys


def relay(host, port):
    sock = socket.create_connection((host, port))
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    readers = [stdin, sock]
    while readers:
        ready = select.select(readers, [], [])[0]
        if stdin in ready:
            data = os.read(stdin, 65536)
            if data:
                sock.sendall(data)
            else:
                readers.remove(stdin)
                sock.shutdown(socket.SHUT_WR)
        if sock in ready:
            data = sock.recv(65536)
            if not data:
                break
            while data:
                data = data[os.write(stdout, data):]
    sock.close()


if __name__ == "__main__":
    if len(sys.argv) > 3:
        with open(sys.argv[3], "a", encoding="utf-8") as log:
            log.write(" ".join(sys.argv[4:]) + "\n")
    relay(sys.argv[1], int(sys.argv[2]))
