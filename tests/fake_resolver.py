"""A stand-in for socket.getaddrinfo (the DNS lies outside the platform): names answer
with the addresses a test gives them, literal addresses with themselves; every call is
recorded, and a test may change a name's answer between calls (DNS rebinding)."""

import ipaddress
import socket


class FakeResolver:
    def __init__(self):
        self.answers: dict[str, list[str]] = {}
        self.calls: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        self.calls.append(host)
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = self.answers.get(host)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    def install(self, monkeypatch) -> "FakeResolver":
        monkeypatch.setattr(socket, "getaddrinfo", self)
        return self
