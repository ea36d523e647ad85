"""Serve a moto-hosted zone's current records through the session's Knot, for end-to-end verification.

Each DNS question first copies what Route53 (moto) holds at the asked name into Knot, then is
answered by Knot. So the verifier sees exactly what was written to Route53, at the moment it asks.
"""

from __future__ import annotations

import socketserver
import struct
import threading
from typing import Any

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsigkeyring
import dns.update

from devtools.localdns import ALGORITHM, KEY_NAME, LocalDnsServer

COPIED = ("TXT", "MX", "CNAME")


class Route53Bridge:
    def __init__(self, knot: LocalDnsServer, client: Any, zone_id: str, zone_name: str) -> None:
        self.knot, self.client, self.zone_id, self.zone_name = knot, client, zone_id, zone_name
        self.lock = threading.Lock()
        self.questions = 0
        bridge = self

        class Udp(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                sock.sendto(bridge.answer(data), self.client_address)

        class Tcp(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                (length,) = struct.unpack("!H", self.rfile.read(2))
                reply = bridge.answer(self.rfile.read(length))
                self.wfile.write(struct.pack("!H", len(reply)) + reply)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        while True:
            self.udp = socketserver.ThreadingUDPServer(("127.0.0.1", 0), Udp)
            port = self.udp.server_address[1]
            try:
                self.tcp = socketserver.ThreadingTCPServer(("127.0.0.1", port), Tcp)
                break
            except OSError:  # the OS gave that port number to a TCP connection: take another
                self.udp.server_close()
        self.address = f"127.0.0.1:{port}"

    def start(self) -> Route53Bridge:
        for server in (self.udp, self.tcp):
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        for server in (self.udp, self.tcp):
            server.shutdown()
            server.server_close()

    def answer(self, wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        name = query.question[0].name.to_text().rstrip(".").lower()
        if name == self.zone_name or name.endswith("." + self.zone_name):
            with self.lock:
                self.questions += 1
                self._copy(name)
        reply = dns.query.tcp(query, self.knot.host, port=self.knot.port, timeout=3)
        return reply.to_wire()

    def _copy(self, name: str) -> None:
        """Make Knot hold at `name` exactly what moto holds there now."""
        listed = self.client.list_resource_record_sets(
            HostedZoneId=self.zone_id, StartRecordName=name + ".", MaxItems="20"
        )["ResourceRecordSets"]
        keyring = dns.tsigkeyring.from_text({KEY_NAME: (ALGORITHM, self.knot.tsig_secret())})
        update = dns.update.UpdateMessage(self.knot.zone, keyring=keyring)
        for rtype in COPIED:
            update.delete(name + ".", rtype)
        for rrset in listed:
            if rrset["Name"].rstrip(".").lower() == name and rrset["Type"] in COPIED:
                for record in rrset["ResourceRecords"]:
                    # Route53's TXT Value is zone-file text already: quoted, escaped strings.
                    update.add(name + ".", rrset["TTL"], rrset["Type"], record["Value"])
        response = dns.query.tcp(update, self.knot.host, port=self.knot.port, timeout=3)
        assert response.rcode() == 0, dns.rcode.to_text(response.rcode())
