"""Loaded by the kernels the tests start (via PYTHONPATH): no connections off this machine.

The course must run offline; a chapter that tries to download anything fails its test with
this message instead of passing on a machine that happens to be online.
"""

import socket

_LOCAL = ("localhost", "127.", "::1", "0.0.0.0")


def _is_local(host) -> bool:
    return isinstance(host, str) and (host.startswith(_LOCAL) or host == "")


def _refuse(what):
    raise OSError(f"the course runs offline; refused a network connection to {what!r}")


_connect = socket.socket.connect
_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        _refuse(address)
    return _connect(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host is not None and not _is_local(host if isinstance(host, str) else host.decode()):
        _refuse(host)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.getaddrinfo = _guarded_getaddrinfo
