"""A DNS proxy on loopback that serves each changed name only D seconds after the change.

It stands between the stack and the local Knot: updates (RFC 2136) pass through at once and the
proxy notes the time for every name they touch; queries pass through too, but for a name changed
less than D seconds ago the answer is emptied, as a secondary that has not received the change yet
would answer for a new name. This is propagation delay made measurable: records written at t are
served from t + D, whenever the verifier starts asking. (For names that had data before the
change, the proxy shows none during the delay rather than the old data: enough for new domains.)

Test and measurement tool only: loopback, no retries, stops with stop().
"""

from __future__ import annotations

import asyncio
import struct
import threading
import time
from dataclasses import dataclass, field

import dns.message
import dns.name
import dns.opcode
import dns.rcode

from devtools.localdns import free_port


@dataclass
class DelayProxy:
    upstream_host: str
    upstream_port: int
    delay: float
    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    changed: dict[dns.name.Name, float] = field(default_factory=dict)
    hidden_answers: int = 0  # queries answered as "not there yet"
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> DelayProxy:
        self._thread = threading.Thread(target=self._run, name="delay-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("the delay proxy did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        proxy = self
        tasks: set[asyncio.Task[None]] = set()

        class Udp(asyncio.DatagramProtocol):
            def connection_made(self, transport):  # type: ignore[override]
                self.transport = transport

            def datagram_received(self, data: bytes, addr):  # type: ignore[override]
                async def answer() -> None:
                    reply = await proxy._handle(data, tcp=False)
                    if reply:
                        self.transport.sendto(reply, addr)

                task = loop.create_task(answer())
                tasks.add(task)  # keep a reference until it is done
                task.add_done_callback(tasks.discard)

        async def tcp_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    size = struct.unpack("!H", await reader.readexactly(2))[0]
                    reply = await proxy._handle(await reader.readexactly(size), tcp=True)
                    if reply:
                        writer.write(struct.pack("!H", len(reply)) + reply)
                        await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

        async def setup() -> None:
            await loop.create_datagram_endpoint(Udp, local_addr=(self.host, self.port))
            await asyncio.start_server(tcp_client, self.host, self.port)

        loop.run_until_complete(setup())
        self._ready.set()
        loop.run_forever()
        loop.close()

    async def _handle(self, wire: bytes, *, tcp: bool) -> bytes | None:
        try:
            message = dns.message.from_wire(wire, keyring=False)
        except Exception:
            return None
        if message.opcode() == dns.opcode.UPDATE:
            reply = await self._forward(wire, tcp=True)
            now = time.monotonic()
            for rrset in message.update:  # type: ignore[attr-defined]
                self.changed[rrset.name] = now
            return reply
        reply = await self._forward(wire, tcp=tcp)
        if reply is None or not message.question:
            return reply
        qname = message.question[0].name
        changed = self.changed.get(qname)
        if changed is None or time.monotonic() - changed >= self.delay:
            return reply
        self.hidden_answers += 1
        response = dns.message.from_wire(reply)
        response.answer = []
        response.set_rcode(dns.rcode.NOERROR)
        return response.to_wire()

    async def _forward(self, wire: bytes, *, tcp: bool) -> bytes | None:
        if tcp:
            reader, writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
            try:
                writer.write(struct.pack("!H", len(wire)) + wire)
                await writer.drain()
                size = struct.unpack("!H", await reader.readexactly(2))[0]
                return await reader.readexactly(size)
            finally:
                writer.close()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[bytes] = loop.create_future()

        class Once(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr):  # type: ignore[override]
                if not done.done():
                    done.set_result(data)

        transport, _ = await loop.create_datagram_endpoint(Once, remote_addr=(self.upstream_host, self.upstream_port))
        try:
            transport.sendto(wire)
            return await asyncio.wait_for(done, 3)
        except TimeoutError:
            return None
        finally:
            transport.close()
