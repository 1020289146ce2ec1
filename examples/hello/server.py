# The demo's task: serves its sandbox over HTTP on $PORT_HTTP, answers /health for the health check, and on SIGTERM
# stops accepting, lets the request in flight finish, says so and exits 0: a graceful kill.
import http.server
import os
import signal
import sys
import threading


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok\n")
            return
        super().do_GET()

    def log_message(self, format, *args):
        # The health check asks every second: keep the demo's output to the requests that matter.
        if not self.path.startswith("/health"):
            super().log_message(format, *args)


port = int(os.environ["PORT_HTTP"])
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)


def on_sigterm(signum, frame):
    print("SIGTERM: no new connections, finishing what is in flight, then exiting", flush=True)
    # shutdown() waits for serve_forever() to return, which runs in this thread: ask from another one.
    threading.Thread(target=server.shutdown).start()


signal.signal(signal.SIGTERM, on_sigterm)
print(f"{os.environ['GREETING']} from {os.environ['MARATHON_APP_ID']}: Serving HTTP on 127.0.0.1 port {port}", flush=True)
server.serve_forever()
server.server_close()
print("bye", flush=True)
sys.exit(0)
