#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A bounded slowloris against 127.0.0.1:PORT, for tests/ocsp/guard.sh.

slowloris.py PORT SECONDS PER-ADDRESS ADDRESS...

From each ADDRESS (127.0.0.x), PER-ADDRESS connections each send a partial
request header, then one more header line every 4 s.  A connection the
server closes is opened again after half a second, as an attacker would.
Stops after SECONDS and prints one line:

  opened N closed-by-server M longest-lived-seconds L
"""
import errno
import heapq
import resource
import selectors
import socket
import sys
import time

port, seconds, per = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
addresses = sys.argv[4:]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = per * len(addresses) + 64
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

sel = selectors.DefaultSelector()
opened = closed = 0
longest = 0.0
start = time.monotonic()
end = start + seconds


class Slot:
    def __init__(self, addr, i):
        self.addr, self.i = addr, i
        self.sock = None
        self.born = 0.0
        self.sent_first = False
        self.due = None


todo = []      # (when, n, slot): its next line, or its reconnection
n_todo = 0


def later(when, slot):
    global n_todo
    n_todo += 1
    slot.due = when
    heapq.heappush(todo, (when, n_todo, slot))


def connect(slot, now):
    global opened
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.bind((slot.addr, 0))
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    except OSError:
        s.close()
        later(now + 0.5, slot)
        return
    slot.sock, slot.born, slot.sent_first = s, now, False
    sel.register(s, selectors.EVENT_READ, slot)
    opened += 1
    later(now + 0.05 + (slot.i % 80) * 0.05, slot)


def drop(slot, now, by_server):
    global closed, longest
    if by_server:
        closed += 1
        longest = max(longest, now - slot.born)
    sel.unregister(slot.sock)
    slot.sock.close()
    slot.sock = None
    later(now + 0.5, slot)


def step(slot, now):
    if slot.sock is None:
        connect(slot, now)
        return
    line = (b"GET / HTTP/1.1\r\nHost: x\r\n" if not slot.sent_first
            else b"X-Slow-%d: a\r\n" % int(now))
    try:
        slot.sock.send(line)
        slot.sent_first = True
        later(now + 4, slot)
    except BlockingIOError:
        later(now + 0.2, slot)
    except OSError as e:
        drop(slot, now, e.errno in (errno.EPIPE, errno.ECONNRESET))


slots = [Slot(a, i) for a in addresses for i in range(per)]
for slot in slots:
    connect(slot, time.monotonic())

while True:
    now = time.monotonic()
    if now >= end:
        break
    wait = min(0.1, max(0.0, todo[0][0] - now)) if todo else 0.1
    for key, _ in sel.select(timeout=wait):
        slot = key.data
        if slot.sock is None or slot.sock.fileno() != key.fd:
            continue
        try:
            data = slot.sock.recv(4096)
        except OSError:
            data = b""
        if not data:
            drop(slot, time.monotonic(), True)
    now = time.monotonic()
    while todo and todo[0][0] <= now:
        when, _, slot = heapq.heappop(todo)
        if when == slot.due:      # else superseded
            step(slot, now)

now = time.monotonic()
for slot in slots:
    if slot.sock is not None:
        longest = max(longest, now - slot.born)
        slot.sock.close()
print("opened %d closed-by-server %d longest-lived-seconds %.1f" %
      (opened, closed, longest))
