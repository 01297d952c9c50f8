#!/usr/bin/env python3
"""Turns PostgreSQL's statement log of one piece of server work into a pgbench script.

bench/capture.sh runs the server with `log_statement = 'all'`, does one OTP pair (or one page
read) over HTTP and hands the log lines it wrote here. Every statement the server ran for it
becomes a line of the script, with its bound parameters written in: the ids named with
--var become pgbench variables (`--var pid=484` writes `:pid` where the value 484 was bound),
and every timestamp becomes `now()` moved by its distance from the work's first timestamp, so
windows like "the last ten minutes" keep their meaning; a 16- or 32-byte value (a nonce, a MAC,
a hash) becomes fresh random bytes of its length, since a nonce must not repeat. The background workers' transactions
(the SMS outbox's delivery, the audit chain's linker) are left out: they batch many pairs' messages
and lines, not one pair's.

An `INSERT INTO t ... RETURNING id` keeps its id in the variable `t_id` (`\gset`), which a
`--var t_id=VALUE` then names where later statements bound it. `--set 'NAME EXPR'` writes a
`\set` line first (`--set 'pid random(:lo, :hi)'`); `--expr VALUE=SQL` writes SQL where VALUE
was bound (the reference's own phone number: `(SELECT no_hp FROM pejabat WHERE id = :pid)`).

Usage: capture.py LOG FIRST_LINE LAST_LINE TITLE [--var NAME=VALUE | --set 'NAME EXPR' | --expr VALUE=SQL]... > script.sql
"""

import re
import sys
from datetime import datetime, timedelta

WORKER = ("sms_simulator", "FROM sms_outbox\n", "UPDATE sms_outbox SET state", "FROM email_outbox",
          "UPDATE email_outbox", "audit_hitungan", "FROM jadwal", "lapor_tautan WHERE", "DELETE FROM",
          "audit_sambung(")
ENTRY = re.compile(r"^\S+ \S+ UTC \[(\d+)\] (LOG|DETAIL|ERROR|STATEMENT):  (.*)$")
TS = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)\+00$")


def entries(lines):
    """(pid, kind, text) per log entry, continuation lines joined."""
    current = None
    for line in lines:
        m = ENTRY.match(line.rstrip("\n"))
        if m:
            if current:
                yield current
            current = [m.group(1), m.group(2), m.group(3)]
        elif current:
            current[2] += "\n" + line.rstrip("\n")
    if current:
        yield current


def parameters(detail):
    """The values of `parameters: $1 = '...', $2 = NULL` in order."""
    values = {}
    for m in re.finditer(r"\$(\d+) = (NULL|'((?:[^']|'')*)')", detail):
        values[int(m.group(1))] = None if m.group(2) == "NULL" else m.group(3).replace("''", "'")
    return values


EXPRS = {}


def literal(value, variables, origin):
    if value is None:
        return "NULL"
    if value in EXPRS:
        return EXPRS[value]
    if value in variables:
        return ":" + variables[value]
    # a hash, a MAC or a nonce: fresh bytes of the same length each time (a nonce is unique)
    if re.fullmatch(r"\\x[0-9a-f]{32}", value):
        return "decode(md5(random()::text), 'hex')"
    if re.fullmatch(r"\\x[0-9a-f]{64}", value):
        return "sha256(random()::text::bytea)"
    ts = TS.match(value)
    if ts and origin is not None:
        at = datetime.fromisoformat(ts.group(1))
        secs = round((at - origin).total_seconds())
        return "now()" if secs == 0 else f"(now() + interval '{secs} seconds')"
    return "'" + value.replace("'", "''") + "'"


def main():
    log, first, last, title = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    variables, sets = {}, []
    args = sys.argv[5:]
    while args:
        flag, pair = args[0], args[1]
        if flag == "--set":
            sets.append(pair)
        elif flag == "--expr":
            value, sql = pair.split("=", 1)
            EXPRS[value] = sql
        else:
            assert flag == "--var", flag
            name, value = pair.split("=", 1)
            variables[value] = name
        args = args[2:]
    with open(log, encoding="utf-8", errors="replace") as f:
        lines = f.readlines()[first - 1:last]
    # statements with their parameters, grouped into transactions per connection
    pending = {}
    statements = []  # (pid, sql, params)
    for pid, kind, text in entries(lines):
        if kind == "LOG":
            m = re.match(r"(?:statement|execute [^:]+): (.*)", text, re.S)
            if m:
                statements.append([pid, m.group(1).strip(), {}])
                pending[pid] = statements[-1]
        elif kind == "DETAIL" and text.startswith("parameters:") and pid in pending:
            pending[pid][2] = parameters(text)
    origin = None
    for _, _, params in statements:
        for v in params.values():
            if v and TS.match(v):
                origin = datetime.fromisoformat(TS.match(v).group(1))
                break
        if origin:
            break
    # drop the workers' transactions (and their lone statements)
    keep, open_tx = [], {}
    for pid, sql, params in statements:
        if sql == "BEGIN":
            open_tx[pid] = [(pid, sql, params)]
            continue
        if pid in open_tx:
            open_tx[pid].append((pid, sql, params))
            if sql in ("COMMIT", "ROLLBACK"):
                tx = open_tx.pop(pid)
                if not any(any(w in s for w in WORKER) for _, s, _ in tx):
                    keep.extend(tx)
            continue
        # a lone statement, not the end of a transaction begun before the capture
        if sql not in ("COMMIT", "ROLLBACK") and not any(w in sql for w in WORKER):
            keep.append((pid, sql, params))
    print(f"-- {title}")
    print("-- Written by bench/capture.sh from the statements the server ran (log_statement = 'all');")
    print("-- do not edit by hand: run bench/capture.sh. Variables: " + ", ".join(sorted(variables.values())) + ".")
    for line in sets:
        print("\\set " + line)
    for _, sql, params in keep:
        text = re.sub(r"\$(\d+)\b", lambda m: literal(params.get(int(m.group(1))), variables, origin), sql)
        text = " ".join(text.split())
        returning = re.match(r"INSERT INTO (\w+) .* RETURNING id$", text)
        print(text + (f" \\gset {returning.group(1)}_" if returning else ";"))


if __name__ == "__main__":
    main()
