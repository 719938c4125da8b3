#!/usr/bin/env python3
"""A loopback webhook receiver for Hangar's tests and demos (Python standard library only).

Every POST is written to DIR as <n>.json: the path, the headers, the body as text, the
status answered, and whether the X-Hangar-Signature checks out against --secret
(HMAC-SHA256 over "<X-Hangar-Timestamp>.<body>", computed here independently of Hangar).
Once listening it writes DIR/.ready.

  receiver.py --port 8090 --dir /tmp/hooks [--secret KEY] [--statuses 503,503]

--statuses: the status codes to answer the first requests with, in order; 200 afterwards.
A path containing "/gone" is always answered 410, one containing "/moved" 307 to /ok.
"""
import argparse
import hashlib
import hmac
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--secret", default="")
    parser.add_argument("--statuses", default="")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    scripted = [int(s) for s in args.statuses.split(",") if s.strip()]
    lock = threading.Lock()
    state = {"count": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                state["count"] += 1
                number = state["count"]
                if "/gone" in self.path:
                    status = 410
                elif "/moved" in self.path:
                    status = 307
                else:
                    status = scripted.pop(0) if scripted else 200
            timestamp = self.headers.get("X-Hangar-Timestamp", "")
            expected = "sha256=" + hmac.new(args.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            record = {
                "path": self.path,
                "headers": {k: v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
                "status": status,
                "signatureValid": bool(args.secret) and hmac.compare_digest(expected, self.headers.get("X-Hangar-Signature", "")),
            }
            path = os.path.join(args.dir, "%06d.json" % number)
            with open(path + ".tmp", "w") as f:
                json.dump(record, f)
            os.rename(path + ".tmp", path)
            self.send_response(status)
            if status == 307:
                self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    open(os.path.join(args.dir, ".ready"), "w").close()
    server.serve_forever()


if __name__ == "__main__":
    main()
