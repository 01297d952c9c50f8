"""The split-brain watcher of bench/patroni.sh: two primaries at once fail the run.

Usage: watch.py STOP_FILE FORBID_FILE NAME:REST_PORT:PG_PORT ...  (password in PGPASSWORD)

Several times a second, in rounds, it asks every node at the same time two questions, each
answered without the other: Patroni's REST API (`GET /patroni`: the role Patroni gives its
PostgreSQL) and PostgreSQL itself (`SELECT pg_is_in_recovery()`: false means it takes writes).
A round in which two nodes are primary by either answer is a split brain. A node named in
FORBID_FILE (the old primary once it rejoined, until the next failover may pick it) must not be
primary at all. Each change of a node's answers is printed with its time; when STOP_FILE
appears it prints how many rounds it made and exits 1 if anything above happened.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg2

INTERVAL = 0.2


class Node:
    def __init__(self, spec):
        self.name, rest, pg = spec.split(":")
        self.rest, self.pg = int(rest), int(pg)
        self.conn = None

    def patroni(self):
        """Patroni's role for its PostgreSQL, and the state it is in ('-' when no answer)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.rest}/patroni", timeout=0.5) as res:
                body = json.load(res)
        except urllib.error.HTTPError as e:
            body = json.load(e)
        except (OSError, ValueError):
            return "-", "-"
        return body.get("role", "?"), body.get("state", "?")

    def writable(self):
        """True when PostgreSQL takes writes, False when in recovery, None when no answer."""
        try:
            if self.conn is None:
                self.conn = psycopg2.connect(
                    host="127.0.0.1",
                    port=self.pg,
                    user="postgres",
                    dbname="postgres",
                    connect_timeout=2,
                    application_name="watch",
                    options="-c statement_timeout=500",
                )
                self.conn.autocommit = True
            with self.conn.cursor() as cur:
                cur.execute("SELECT pg_is_in_recovery()")
                return not cur.fetchone()[0]
        except psycopg2.Error:
            if self.conn is not None:
                try:
                    self.conn.close()
                except psycopg2.Error:
                    pass
            self.conn = None
            return None

    def probe(self):
        role, state = self.patroni()
        return role, state, self.writable()


def main(stop_file, forbid_file, specs):
    nodes = [Node(s) for s in specs]
    last = {n.name: None for n in nodes}
    rounds = violations = most = 0
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(nodes) * 2) as pool:
        while not os.path.exists(stop_file):
            tick = time.monotonic()
            answers = list(pool.map(Node.probe, nodes))
            rounds += 1
            now = time.monotonic() - start
            try:
                with open(forbid_file) as f:
                    forbidden = f.read().strip()
            except OSError:
                forbidden = ""
            writers = [n.name for n, a in zip(nodes, answers) if a[2] is True]
            by_patroni = [n.name for n, a in zip(nodes, answers) if a[0] in ("master", "primary")]
            most = max(most, len(writers), len(by_patroni))
            for node, (role, state, writable) in zip(nodes, answers):
                seen = (role, state, {True: "writes", False: "recovery", None: "-"}[writable])
                if seen != last[node.name]:
                    print(f"{now:7.2f} s  {node.name}: patroni {role}/{state}, postgres {seen[2]}", flush=True)
                    last[node.name] = seen
            if len(writers) > 1 or len(by_patroni) > 1:
                violations += 1
                print(f"{now:7.2f} s  TWO PRIMARIES: taking writes {writers}, Patroni primary {by_patroni}", flush=True)
            if forbidden and (forbidden in writers or forbidden in by_patroni):
                violations += 1
                print(f"{now:7.2f} s  {forbidden} rejoined as a replica but is primary again", flush=True)
            time.sleep(max(0.0, INTERVAL - (time.monotonic() - tick)))
    took = time.monotonic() - start
    print(
        f"watcher: {rounds} rounds in {took:.0f} s ({rounds / max(took, 1):.1f}/s), each asking "
        f"{len(nodes)} nodes' REST API and PostgreSQL: {rounds * len(nodes) * 2} polls; "
        f"at most {most} primary at once; {violations} rounds with a violation",
        flush=True,
    )
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
