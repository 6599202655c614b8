#!/usr/bin/env python3
"""A TCP forwarder for the Store's PostgreSQL tests: listens on 127.0.0.1:LISTEN and forwards every connection to
127.0.0.1:TARGET. SIGUSR1 takes the "host" down: every forwarded connection is reset and new ones are closed as
soon as they are accepted (the port stays this program's, so no other program can take it meanwhile); SIGHUP
makes it a black hole: forwarded connections are reset, new ones are accepted and never answered (a hung server);
SIGUSR2 brings it back. Prints "ready" once it listens."""
import signal, socket, sys, threading

# The Swift test runner blocks signals and children inherit the mask: without this the test's signals never arrive.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP])
signal.signal(signal.SIGTERM, signal.SIG_DFL)

listen, target = int(sys.argv[1]), int(sys.argv[2])
lock = threading.Lock()
live = set()
held = []
down = False
blackhole = False


def close(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset, not FIN
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass


def take_down(*_):
    global down
    with lock:
        down = True
        gone = list(live)
        live.clear()
    for s in gone:
        close(s)


def bring_up(*_):
    global down, blackhole
    with lock:
        down = False
        blackhole = False
        gone = list(held)
        held.clear()
    for s in gone:
        close(s)


def black_hole(*_):
    global blackhole
    take_down()
    with lock:
        blackhole = True


signal.signal(signal.SIGUSR1, take_down)
signal.signal(signal.SIGUSR2, bring_up)
signal.signal(signal.SIGHUP, black_hole)


def pipe(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", listen))
server.listen(64)
print("ready", flush=True)
while True:
    try:
        client, _ = server.accept()
    except InterruptedError:
        continue
    with lock:
        refused, swallowed = down and not blackhole, blackhole
        if swallowed:
            held.append(client)
    if swallowed:
        continue
    if refused:
        close(client)
        continue
    upstream = socket.create_connection(("127.0.0.1", target))
    with lock:
        live.update((client, upstream))
    for a, b in ((client, upstream), (upstream, client)):
        threading.Thread(target=pipe, args=(a, b), daemon=True).start()
