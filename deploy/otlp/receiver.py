"""A loopback OTLP/HTTP trace receiver for Hangar's tests and benchmarks.

Accepts POST /v1/traces as protobuf (application/x-protobuf, gzip or not) or JSON
(application/json), decodes it with the official opentelemetry-proto messages, and appends
one JSON object per span to OUT (JSON lines):

  {"trace_id": hex, "span_id": hex, "parent_span_id": hex or "", "name": ..., "kind": ...,
   "service": resource service.name, "start_ns": int, "end_ns": int, "status": code,
   "attributes": {key: value}}

It answers 200 with an empty ExportTraceServiceResponse (partial success none). Anything
else gets 404 (a wrong path) or 415 (another content type). --ready FILE is written once it
listens (the port chosen when --port is 0 is in it); --counts-only writes no spans, only a
running count in OUT.count, for a benchmark that must not measure its own receiver's disk.

  python receiver.py --port 4318 --out spans.jsonl [--ready FILE] [--counts-only]
"""

import argparse
import base64
import gzip
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


def value_of(any_value):
    kind = any_value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [value_of(v) for v in any_value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: value_of(kv.value) for kv in any_value.kvlist_value.values}
    if kind == "bytes_value":
        return any_value.bytes_value.hex()
    return getattr(any_value, kind)


def spans_of(request):
    for resource_spans in request.resource_spans:
        resource = {kv.key: value_of(kv.value) for kv in resource_spans.resource.attributes}
        service = resource.get("service.name", "")
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield {
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex(),
                    "name": span.name,
                    "kind": span.kind,
                    "service": service,
                    "start_ns": span.start_time_unix_nano,
                    "end_ns": span.end_time_unix_nano,
                    "status": span.status.code,
                    "attributes": {kv.key: value_of(kv.value) for kv in span.attributes},
                }


def hex_ids_to_base64(document):
    """OTLP/JSON writes trace and span ids as hex, where protobuf's JSON mapping expects base64."""
    def convert(holder, keys):
        for key in keys:
            if isinstance(holder.get(key), str) and holder[key]:
                holder[key] = base64.b64encode(bytes.fromhex(holder[key])).decode()

    for resource_spans in document.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                convert(span, ("traceId", "spanId", "parentSpanId"))
                for link in span.get("links", []):
                    convert(link, ("traceId", "spanId"))
    return document


class Receiver:
    def __init__(self, out, counts_only):
        self.out = out
        self.counts_only = counts_only
        self.lock = threading.Lock()
        self.count = 0
        self.requests = 0

    def record(self, request):
        if self.counts_only:  # decoded, counted, not converted: a benchmark's receiver stays cheap
            count = sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans)
            with self.lock:
                self.count += count
                self.requests += 1
                with open(self.out + ".count", "w") as f:
                    f.write(f"{self.count} {self.requests}\n")
            return
        spans = list(spans_of(request))
        with self.lock:
            self.count += len(spans)
            self.requests += 1
            with open(self.out, "a") as f:
                for span in spans:
                    f.write(json.dumps(span, separators=(",", ":")) + "\n")


def handler_for(receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # quiet: one line per export would flood the log
            pass

        def answer(self, status, body=b"", content_type="application/x-protobuf"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.path.split("?")[0] != "/v1/traces":
                return self.answer(404, b"not found", "text/plain")
            if (self.headers.get("Content-Encoding") or "").lower() == "gzip":
                body = gzip.decompress(body)
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            request = ExportTraceServiceRequest()
            try:
                if content_type == "application/x-protobuf":
                    request.ParseFromString(body)
                elif content_type == "application/json":
                    json_format.ParseDict(hex_ids_to_base64(json.loads(body)), request)
                else:
                    return self.answer(415, b"unsupported content type", "text/plain")
            except Exception as error:  # a body that does not decode is the sender's bug: say so
                return self.answer(400, f"undecodable: {error}".encode(), "text/plain")
            receiver.record(request)
            if content_type == "application/json":
                self.answer(200, b"{}", "application/json")
            else:
                self.answer(200, ExportTraceServiceResponse().SerializeToString())

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4318)
    parser.add_argument("--out", required=True)
    parser.add_argument("--ready")
    parser.add_argument("--counts-only", action="store_true")
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("receiver.py listens on loopback only")
    receiver = Receiver(args.out, args.counts_only)
    server = ThreadingHTTPServer((args.host, args.port), handler_for(receiver))
    server.daemon_threads = True
    # A parent may have started it with SIGTERM blocked (the mask is inherited): unblock it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    if args.ready:
        with open(args.ready + ".tmp", "w") as f:
            f.write(f"{server.server_address[1]}\n")
        os.replace(args.ready + ".tmp", args.ready)
    print(f"otlp receiver on {args.host}:{server.server_address[1]} writing {args.out}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
