"""The network between one Patroni node and the etcd members, as a process (bench/patroni.sh).

Usage: etcdproxy.py LISTEN_PORT:TARGET_PORT ...  (all on 127.0.0.1)

One TCP forwarder per Patroni node, one listening port per etcd member, so that the node's
link to etcd can be cut without touching etcd or the other nodes: SIGSTOP freezes it (the
kernel still completes new handshakes, then nothing comes back: a black hole, as a partition
looks from the node), SIGCONT heals it. Patroni is told `use_proxies: true`, so it never learns
the members' own addresses and goes around it.
"""

import asyncio
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def forward(client_reader, client_writer, target):
    try:
        member_reader, member_writer = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        # the member is down: the node sees its connection closed and tries the next member
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, member_writer), pipe(member_reader, client_writer))


async def main(pairs):
    servers = []
    for listen, target in pairs:
        servers.append(
            await asyncio.start_server(
                lambda r, w, target=target: forward(r, w, target), "127.0.0.1", listen, reuse_address=True
            )
        )
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    asyncio.run(main([tuple(int(p) for p in arg.split(":")) for arg in sys.argv[1:]]))
