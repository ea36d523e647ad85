"""The 1-s stall of RFC 2136 updates to Knot, reproduced (bench/README.md, "A 1-s stall").

    bench/.venv/bin/python bench/knot_stall.py [--updates 100] [--gap 0.05] [--udp]

One update at a time to a fresh local Knot (one 2048-bit DKIM TXT each, `--gap` seconds apart), timed
by the wall clock. Every update that takes more than 0.3 s is printed with the fraction of the second
it was sent and answered in; Knot's own view of the zone's next events (`knotc zone-status`) after one
update is printed first. The stalled ones are sent just after a whole second and answered just before
the next one: they wait for the NOTIFY that the previous update planned for "now + 1 s".
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dns.name  # noqa: E402
import dns.query  # noqa: E402
import dns.tsig  # noqa: E402
import dns.update  # noqa: E402

from devtools.localdns import KEY_NAME, LocalDnsServer, free_port  # noqa: E402
from dms_component.core.records import split_txt  # noqa: E402
from dms_component.providers.adapters import dkim_keys  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=100)
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between an answer and the next update")
    parser.add_argument("--udp", action="store_true", help="send the updates over UDP (default TCP)")
    args = parser.parse_args()
    value = f"v=DKIM1; k=rsa; p={dkim_keys.generate(2048).public_b64}"
    with tempfile.TemporaryDirectory() as tmp:
        knot = LocalDnsServer(Path(tmp), port=free_port()).start()
        try:
            name = dns.name.from_text(KEY_NAME)
            keyring = {name: dns.tsig.Key(name, knot.tsig_secret(), "hmac-sha256")}
            send = dns.query.udp if args.udp else dns.query.tcp
            took = []
            for i in range(args.updates):
                update = dns.update.UpdateMessage(knot.zone, keyring=keyring, keyname=name)
                update.replace(f"qcloud._domainkey.d{i}", 300, "TXT", " ".join(f'"{s}"' for s in split_txt(value)))
                sent = time.time()
                send(update, knot.host, port=knot.port, timeout=5)
                answered = time.time()
                took.append(answered - sent)
                if i == 0:
                    print("after one update, knotc zone-status:", knot.control("zone-status", knot.zone).strip())
                if answered - sent > 0.3:
                    at = f"sent at .{sent % 1 * 1000:03.0f}, answered at .{answered % 1 * 1000:03.0f}"
                    print(f"  {answered - sent:.3f} s: {at}")
                time.sleep(args.gap)
        finally:
            knot.stop()
    slow = [t for t in took if t > 0.3]
    took.sort()
    print(
        f"{len(took)} updates over {'UDP' if args.udp else 'TCP'}, {args.gap:g} s apart: median"
        f" {took[len(took) // 2] * 1000:.1f} ms, {len(slow)} over 0.3 s (max {took[-1]:.3f} s)"
    )


if __name__ == "__main__":
    main()
