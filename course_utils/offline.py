"""A network guard: the course must run with no network once installed.

``block_network()`` patches Python's socket layer so that any connection (or DNS lookup) to
something other than this machine raises ``NetworkBlockedError`` and is written to a log.
Loopback stays open: Jupyter kernels talk to their front end over 127.0.0.1.  The test suite
switches it on for itself and, through ``tests/offline/sitecustomize.py``, for every kernel.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import traceback
from typing import Any

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class NetworkBlockedError(ConnectionError):
    """Code tried to reach the network, which the course never needs."""


def is_local_host(host: object) -> bool:
    """True for loopback addresses and names (and this machine's own host name)."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).split("%", 1)[0]  # drop an IPv6 zone id
    if host.lower() in _LOOPBACK_NAMES or host == socket.gethostname():
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_local_address(family: int, address: Any) -> bool:
    """True where a socket address stays on this machine (loopback or a Unix socket)."""
    if family == getattr(socket, "AF_UNIX", None) or not isinstance(address, tuple):
        return True
    return is_local_host(address[0])


def block_network(log_path: str | os.PathLike | None = None) -> None:
    """Refuse every non-local connection, UDP send and DNS lookup from now on in this process."""
    if getattr(socket.socket.connect, "_course_guard", False):
        return

    def refuse(what: str) -> None:
        message = f"network access blocked: {what} (the course runs offline)"
        if log_path:
            with open(log_path, "a") as log:
                stack = "".join(traceback.format_stack(limit=8)[:-2])
                log.write(f"pid {os.getpid()}: {message}\n{stack}\n")
        raise NetworkBlockedError(message)

    def guard_address(method):
        def guarded(self, address, *args):
            if not is_local_address(self.family, address):
                refuse(f"{method.__name__} to {address!r}")
            return method(self, address, *args)

        guarded._course_guard = True  # type: ignore[attr-defined]
        return guarded

    original_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host, *args, **kwargs):
        if not is_local_host(host):
            refuse(f"DNS lookup of {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guard_address(socket.socket.connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = guard_address(socket.socket.connect_ex)  # type: ignore[method-assign]
    original_sendto = socket.socket.sendto

    def guarded_sendto(self, data, *args):
        address = args[-1]
        if not is_local_address(self.family, address):
            refuse(f"sendto {address!r}")
        return original_sendto(self, data, *args)

    guarded_sendto._course_guard = True  # type: ignore[attr-defined]
    socket.socket.sendto = guarded_sendto  # type: ignore[method-assign]
    socket.getaddrinfo = guarded_getaddrinfo
