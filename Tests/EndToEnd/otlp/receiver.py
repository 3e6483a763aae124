"""A small OTLP/HTTP receiver that decodes with the official Python protobuf classes
(opentelemetry-proto) and, once the sender is done, checks what arrived from
`meshtop demo --headless --otlp-export`: span names, ids, parents, attributes and resources.

Usage: receiver.py PORT_FILE DONE_FILE
Writes the port it listens on to PORT_FILE, serves until DONE_FILE exists, then checks.
Prints PASS/FAIL lines; exits 1 if any check fails.
"""
import gzip
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest, ExportMetricsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse
from opentelemetry.proto.trace.v1.trace_pb2 import Span

port_file, done_file = sys.argv[1], sys.argv[2]
spans = []  # (resource attributes, span)
metric_names = set()
content_types = set()
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        with lock:
            content_types.add(self.headers.get("Content-Type"))
        if self.path == "/v1/traces":
            request = ExportTraceServiceRequest.FromString(body)
            with lock:
                for resource_spans in request.resource_spans:
                    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                    for scope_spans in resource_spans.scope_spans:
                        spans.extend((resource, span) for span in scope_spans.spans)
            answer = ExportTraceServiceResponse().SerializeToString()
        elif self.path == "/v1/metrics":
            request = ExportMetricsServiceRequest.FromString(body)
            with lock:
                for resource_metrics in request.resource_metrics:
                    for scope_metrics in resource_metrics.scope_metrics:
                        metric_names.update(m.name for m in scope_metrics.metrics)
            answer = ExportMetricsServiceResponse().SerializeToString()
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
threading.Thread(target=server.serve_forever, daemon=True).start()
deadline = time.time() + 120
while not os.path.exists(done_file) and time.time() < deadline:
    time.sleep(0.1)
server.shutdown()

failures = 0


def check(ok, what):
    global failures
    print(("PASS: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures += 1


check(len(spans) >= 100, f"{len(spans)} spans arrived as protobuf the official classes decode")
check(content_types == {"application/x-protobuf"}, f"Content-Type: {content_types}")
ids = {span.span_id for _, span in spans}
check(all(len(s.trace_id) == 16 and any(s.trace_id) for _, s in spans), "every trace id is 16 bytes, not all zero")
check(all(len(s.span_id) == 8 and any(s.span_id) for _, s in spans), "every span id is 8 bytes, not all zero")
check(len(ids) == len(spans), f"span ids are unique ({len(ids)} of {len(spans)})")
with_parent = [s for _, s in spans if s.parent_span_id]
resolved = [s for s in with_parent if s.parent_span_id in ids]
# Spans still open when the run ended were never exported: their children's parents are absent.
check(len(resolved) >= 0.95 * len(with_parent), f"{len(resolved)}/{len(with_parent)} parent ids name a span that arrived")
by_id = {s.span_id: s for _, s in spans}
same_trace = all(by_id[s.parent_span_id].trace_id == s.trace_id for s in resolved)
check(same_trace, "every parent is in its child's trace")
services = {resource.get("service.name") for resource, _ in spans}
check({"gateway", "order-service", "payment-service"} <= services, f"resources name the storefront's services: {sorted(services)}")
namespaces = {resource.get("service.namespace") for resource, _ in spans}
check(namespaces == {"storefront"}, f"service.namespace is the system: {namespaces}")
names = {s.name for _, s in spans}
check(any(name.startswith("POST /api/orders") or name == "POST /api/orders" for name in names), f"span names include the gateway's routes: {sorted(names)[:12]}")
kinds = {s.kind for _, s in spans}
check({Span.SPAN_KIND_SERVER, Span.SPAN_KIND_CLIENT} <= kinds, f"server and client kinds: {sorted(kinds)}")
roots = [s for _, s in spans if not s.parent_span_id]
check(roots and all(s.kind == Span.SPAN_KIND_SERVER for s in roots), f"{len(roots)} roots, all server spans")
attribute_keys = {a.key for _, s in spans for a in s.attributes}
check(any(key.startswith("http.") for key in attribute_keys), f"attributes carried: {sorted(attribute_keys)[:12]}")
check(all(s.end_time_unix_nano >= s.start_time_unix_nano > 1_600_000_000 * 10**9 for _, s in spans), "times are Unix nanoseconds, end after start")
check("requests_total" in metric_names and "breaker_state" in metric_names, f"metrics include requests_total and breaker_state ({len(metric_names)} names)")
sys.exit(1 if failures else 0)
