#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Raw HTTP/1.1 over a socket, for tests/ocsp/guard.sh.

httpc.py send PORT FILE
    sends FILE's bytes as they are, reads until the server closes (or 3 s
    pass) and prints the status of every response read, then "closed" or
    "open": "400 closed".
httpc.py headers-first PORT FILE BODY-BYTES
    sends FILE (headers only), reads the answer, then tries to send
    BODY-BYTES more: prints the statuses, "closed"/"open" and how many
    body octets were taken before the server hung up.
httpc.py sweep PORT KIND PATH N...
    for each N, one request with a path of N characters (KIND path), N
    more header fields (fields) or a field of N characters (field): prints
    "N STATUS closed|open" for each.
httpc.py clients PORT PATH SECONDS RATE
    RATE requests a second for SECONDS, each on a new connection: prints
    "requests N failed F p99-ms P".
httpc.py fill PORT PATH N
    N connections from 127.0.0.2, each a partial header, then a GET from
    127.0.0.1 on a new connection: prints its status and how many of the
    N the server closed within a second.
httpc.py idle PORT PATH SECONDS
    two GETs on one connection, SECONDS apart: prints both statuses.
httpc.py trickle PORT PATH
    one GET, then on the same connection a partial header and a header
    line a second: prints the status and after how many seconds the server
    closed the connection.
"""
import re
import socket
import sys
import time

STATUS = re.compile(rb"(?:^|\r\n)HTTP/1\.[01] (\d{3}) ")


def read_all(s, timeout=3.0):
    s.settimeout(timeout)
    out, closed = b"", False
    try:
        while True:
            b = s.recv(65536)
            if not b:
                closed = True
                break
            out += b
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    return out, closed


def statuses(data):
    return [m.group(1).decode() for m in STATUS.finditer(data)]


def report(data, closed, extra=""):
    st = statuses(data)
    print(" ".join(st or ["none"]), "closed" if closed else "open", extra)


def cmd_send(port, path):
    data = open(path, "rb").read()
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    report(*read_all(s))


def oversize(kind, path, n):
    if kind == "path":
        return b"GET /" + b"A" * n + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    if kind == "fields":
        fields = b"".join(b"X-F%d: v\r\n" % i for i in range(n))
    else:
        fields = b"X-Big: " + b"b" * n + b"\r\n"
    return b"GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (path.encode(), fields)


def cmd_sweep(port, kind, path, sizes):
    for n in sizes:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        try:
            s.sendall(oversize(kind, path, n))
        except (BrokenPipeError, ConnectionResetError):
            pass
        data, closed = read_all(s, 1.0)
        s.close()
        st = statuses(data)
        print(n, st[0] if len(st) == 1 else "+".join(st) or "none",
              "closed" if closed else "open")


def cmd_headers_first(port, path, body):
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.sendall(open(path, "rb").read())
    s.settimeout(3)
    first = b""
    try:
        while b"\r\n\r\n" not in first:
            b = s.recv(65536)
            if not b:
                break
            first += b
    except socket.timeout:
        pass
    sent = 0
    chunk = b"1000\r\n" + b"a" * 4096 + b"\r\n"
    s.settimeout(1)
    try:
        while sent < body:
            s.sendall(chunk)
            sent += len(chunk)
    except (OSError, socket.timeout):
        pass
    rest, closed = read_all(s, 1.0)
    report(first + rest, closed, "taken<=%d" % sent)


def request(port, path, s=None):
    t = time.monotonic()
    own = s is None
    if own:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.settimeout(2)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
    data = b""
    while True:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            if m and len(body) >= int(m.group(1)):
                break
        b = s.recv(65536)
        if not b:
            break
        data += b
    if own:
        s.close()
    st = statuses(data)
    return (st[0] if st else "none"), time.monotonic() - t


def cmd_clients(port, path, seconds, rate):
    lat, failed = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.monotonic()
        try:
            st, dt = request(port, path)
            if st != "200":
                failed += 1
            lat.append(dt)
        except OSError:
            failed += 1
        time.sleep(max(0.0, 1.0 / rate - (time.monotonic() - t)))
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0
    print("requests %d failed %d p99-ms %.1f" % (len(lat), failed, p99))


def cmd_fill(port, path, n):
    held = []
    for i in range(n):
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n" % path.encode())
        held.append(s)
        time.sleep(0.05)
    try:
        st, _ = request(port, path)
    except OSError:
        st = "none"
    closed = 0
    for s in held:
        s.settimeout(1)
        try:
            if s.recv(4096) == b"":
                closed += 1
        except socket.timeout:
            pass
        except OSError:
            closed += 1
        s.close()
    print(st, closed)


def cmd_idle(port, path, seconds):
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    first, _ = request(port, path, s)
    time.sleep(seconds)
    try:
        second, _ = request(port, path, s)
    except OSError:
        second = "none"
    print(first, second)


def cmd_trickle(port, path):
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    first, _ = request(port, path, s)
    t = time.monotonic()
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n" % path.encode())
    s.settimeout(1)
    n = 0
    while time.monotonic() - t < 30:
        try:
            if s.recv(4096) == b"":
                break
        except socket.timeout:
            pass
        except OSError:
            break
        try:
            s.sendall(b"X-Trickle-%d: a\r\n" % n)
        except OSError:
            break
        n += 1
    print(first, "%.0f" % (time.monotonic() - t))


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    a = sys.argv[3:]
    if cmd == "send":
        cmd_send(port, a[0])
    elif cmd == "headers-first":
        cmd_headers_first(port, a[0], int(a[1]))
    elif cmd == "sweep":
        cmd_sweep(port, a[0], a[1], [int(n) for n in a[2:]])
    elif cmd == "clients":
        cmd_clients(port, a[0], float(a[1]), float(a[2]))
    elif cmd == "fill":
        cmd_fill(port, a[0], int(a[1]))
    elif cmd == "idle":
        cmd_idle(port, a[0], float(a[1]))
    elif cmd == "trickle":
        cmd_trickle(port, a[0])
    else:
        sys.exit("httpc.py: unknown command " + cmd)


main()
