#!/usr/bin/env python3
"""A TCP forwarder for the Store's PostgreSQL tests: listens on 127.0.0.1:LISTEN and forwards every connection to
127.0.0.1:TARGET. Killing it is a database host going away (its connections reset, new ones refused); starting it
again on the same port is the host coming back. Prints "ready" once it listens."""
import signal, socket, sys, threading

# The Swift test runner blocks signals and children inherit the mask: without this the test's SIGTERM never arrives.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
signal.signal(signal.SIGTERM, signal.SIG_DFL)

listen, target = int(sys.argv[1]), int(sys.argv[2])

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
    client, _ = server.accept()
    upstream = socket.create_connection(("127.0.0.1", target))
    for a, b in ((client, upstream), (upstream, client)):
        threading.Thread(target=pipe, args=(a, b), daemon=True).start()
