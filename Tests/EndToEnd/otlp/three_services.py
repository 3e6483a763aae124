"""Three services instrumented with the OpenTelemetry Python SDK send a call chain to
`meshtop watch --headless`; then the watch's API must show the three services, their request
figures and each trace assembled with the right parents, and the payment service's logs (Python's
`logging` through the SDK's LoggingHandler) joined to their traces and spans.

Usage: three_services.py OTLP_URL API_URL   (e.g. http://127.0.0.1:4318 http://127.0.0.1:9464)
Prints PASS/FAIL lines; exits 1 if any check fails.
"""
import json
import logging
import sys
import time
import urllib.request

from opentelemetry import metrics
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.metrics import Observation
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

otlp, api = sys.argv[1], sys.argv[2]
REQUESTS = 30
FAIL_EVERY = 5  # every fifth payment fails: 6 of 30
failures = 0


def check(ok, what):
    global failures
    print(("PASS: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures += 1


def resource(name):
    return Resource.create({"service.name": name, "service.instance.id": name + "-1", "service.version": "1.2.3"})


def tracer_provider(name, compression):
    provider = TracerProvider(resource=resource(name))
    exporter = OTLPSpanExporter(endpoint=otlp + "/v1/traces", compression=compression)
    provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=64, schedule_delay_millis=200))
    return provider


# One process per service in real life; three providers with their own resources here. The
# payments service sends gzip, the others plain protobuf.
providers = {
    "frontend": tracer_provider("frontend", Compression.NoCompression),
    "orders": tracer_provider("orders", Compression.NoCompression),
    "payments": tracer_provider("payments", Compression.Gzip),
}
tracers = {name: provider.get_tracer("three-services-test") for name, provider in providers.items()}
propagator = TraceContextTextMapPropagator()

meter_provider = MeterProvider(
    resource=resource("orders"),
    metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=otlp + "/v1/metrics"), export_interval_millis=300)])
meter = meter_provider.get_meter("three-services-test")
placed = meter.create_counter("orders.placed", description="orders placed")
meter.create_observable_gauge(
    "breaker_state",
    callbacks=[lambda options: [Observation(1, {"breaker": "orders->payments", "state": "open"}),
                                Observation(0, {"breaker": "orders->payments", "state": "closed"})]])

# The payment service logs through Python's logging, into OTLP: each record carries the trace and
# span current when it was logged.
logger_provider = LoggerProvider(resource=resource("payments"))
logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter(endpoint=otlp + "/v1/logs"), schedule_delay_millis=200))
payments_log = logging.getLogger("payments")
payments_log.propagate = False
payments_log.setLevel(logging.INFO)
payments_log.addHandler(LoggingHandler(level=logging.INFO, logger_provider=logger_provider))


def call(caller, target, name, route, carrier_in, fail):
    """A server span in `target`, child of the caller's client span carried in `carrier_in`."""
    context = propagator.extract(carrier_in)
    with tracers[target].start_as_current_span(name, context=context, kind=SpanKind.SERVER,
                                              attributes={"http.route": route, "http.request.method": "POST"}) as span:
        span.set_attribute("http.response.status_code", 500 if fail else 200)
        if fail:
            span.set_status(Status(StatusCode.ERROR, "card declined"))
            payments_log.error("card declined for order %d", len(expected))
        return span


expected = []  # (trace id, {service: server span id})
for index in range(REQUESTS):
    fail = index % FAIL_EVERY == 0
    with tracers["frontend"].start_as_current_span("GET /checkout", kind=SpanKind.SERVER,
                                                  attributes={"http.route": "/checkout"}) as root:
        with tracers["frontend"].start_as_current_span("POST orders", kind=SpanKind.CLIENT) as to_orders:
            carrier = {}
            propagator.inject(carrier, context=set_span_in_context(to_orders))
            context = propagator.extract(carrier)
            with tracers["orders"].start_as_current_span("POST /orders", context=context, kind=SpanKind.SERVER,
                                                        attributes={"http.route": "/orders"}) as orders:
                with tracers["orders"].start_as_current_span("POST payments", kind=SpanKind.CLIENT) as to_payments:
                    carrier = {}
                    propagator.inject(carrier, context=set_span_in_context(to_payments))
                    payments = call("orders", "payments", "POST /charge", "/charge", carrier, fail)
                placed.add(1, {"outcome": "failed" if fail else "placed"})
                if fail:
                    orders.set_status(Status(StatusCode.ERROR, "payment failed"))
        root.set_attribute("http.response.status_code", 502 if fail else 200)
        if fail:
            root.set_status(Status(StatusCode.ERROR))
    expected.append((format(root.get_span_context().trace_id, "032x"), {
        "frontend": format(root.get_span_context().span_id, "016x"),
        "frontend-client": format(to_orders.get_span_context().span_id, "016x"),
        "orders": format(orders.get_span_context().span_id, "016x"),
        "orders-client": format(to_payments.get_span_context().span_id, "016x"),
        "payments": format(payments.get_span_context().span_id, "016x"),
    }))

for provider in providers.values():
    provider.force_flush()
meter_provider.force_flush()
logger_provider.force_flush()


def get(path):
    with urllib.request.urlopen(api + path, timeout=5) as response:
        return json.loads(response.read())


# The figures come from closed seconds: wait for the window to hold them.
deadline = time.time() + 15
snapshot = None
while time.time() < deadline:
    snapshot = get("/api/v1/snapshot?window=60")
    services = {s["name"]: s for s in snapshot["services"]}
    if len(services) == 3 and all(s.get("latency") for s in services.values()) and snapshot["breakers"]:
        break
    time.sleep(0.3)

services = {s["name"]: s for s in snapshot["services"]}
check(sorted(services) == ["frontend", "orders", "payments"], f"three services from service.name: {sorted(services)}")
for name in ["frontend", "orders", "payments"]:
    service = services.get(name, {})
    check(service.get("requestsTotal") == REQUESTS, f"{name}: {REQUESTS} requests counted from its server spans ({service.get('requestsTotal')})")
    check(service.get("latency") is not None and service["latency"]["count"] == REQUESTS,
          f"{name}: a latency distribution of {REQUESTS} spans ({service.get('latency')})")
    check([i["id"] for i in service.get("instances", [])] == [name + "-1"] and service["instances"][0]["version"] == "1.2.3",
          f"{name}: instance {name}-1 version 1.2.3 from the resource")
ratio = services.get("payments", {}).get("errorRatio", -1)
check(abs(ratio - 0.2) < 1e-9, f"payments' error ratio is 6/30 = 0.2 ({ratio})")
frontend_ratio = services.get("frontend", {}).get("errorRatio", -1)
check(abs(frontend_ratio - 0.2) < 1e-9, f"frontend's 502s count as errors: 0.2 ({frontend_ratio})")
routes = {(r["service"], r["route"]) for r in snapshot["routes"]}
check({("frontend", "/checkout"), ("orders", "/orders"), ("payments", "/charge")} <= routes, f"routes from http.route: {sorted(routes)}")
edges = {(e["caller"], e["target"]) for e in snapshot["edges"]}
check(edges == {("frontend", "orders"), ("orders", "payments")}, f"calls between services from parent spans: {sorted(edges)}")
check(abs(snapshot["totals"]["errorRatio"] - 0.2) < 1e-9, f"entry error ratio 0.2 ({snapshot['totals']['errorRatio']})")
breakers = {b["id"]: b["state"] for b in snapshot["breakers"]}
check(breakers == {"orders->payments": "open"}, f"a reported breaker_state gauge shows in the breakers: {breakers}")

trees_ok = 0
for trace_id, ids in expected:
    try:
        tree = get(f"/api/v1/traces/{trace_id}")
    except Exception as error:  # noqa: BLE001 - report and count
        print(f"  trace {trace_id}: {error}")
        continue
    spans = {s["spanId"]: s for s in tree["spans"]}
    parent_of = {s["spanId"]: s.get("parentSpanId") for s in tree["spans"]}
    good = (
        len(spans) == 5
        and parent_of.get(ids["frontend"]) is None
        and parent_of.get(ids["frontend-client"]) == ids["frontend"]
        and parent_of.get(ids["orders"]) == ids["frontend-client"]
        and parent_of.get(ids["orders-client"]) == ids["orders"]
        and parent_of.get(ids["payments"]) == ids["orders-client"]
        and spans[ids["payments"]]["service"] == "payments"
        and spans[ids["orders"]]["kind"] == "server"
        and spans[ids["frontend-client"]]["kind"] == "client"
        and not any(s["isOrphan"] for s in spans.values())
        and spans[ids["payments"]]["attributes"].get("resource.service.instance.id") == "payments-1"
    )
    trees_ok += good
    if not good and trees_ok == 0:
        print("  first wrong tree:", json.dumps(tree)[:2000])
check(trees_ok == REQUESTS, f"{trees_ok}/{REQUESTS} traces assembled across three services with the right parents, kinds and resources")

with urllib.request.urlopen(api + "/metrics", timeout=5) as response:
    exposition = response.read().decode()
placed_lines = [line for line in exposition.splitlines() if line.startswith("orders_placed") and 'outcome="placed"' in line]
check(any(line.endswith(" 24") for line in placed_lines), f"the SDK's counter orders.placed is a series: {placed_lines}")

failed_traces = [(trace_id, ids) for index, (trace_id, ids) in enumerate(expected) if index % FAIL_EVERY == 0]
logs_ok = 0
for trace_id, ids in failed_traces:
    page = get(f"/api/v1/logs?trace={trace_id}")
    records = page.get("records", [])
    good = (len(records) == 1 and records[0]["level"] == "error" and records[0]["service"] == "payments"
            and records[0]["spanId"] == ids["payments"] and records[0]["message"].startswith("card declined for order"))
    logs_ok += good
    if not good and logs_ok == 0:
        print("  first wrong log page:", json.dumps(page)[:1000])
check(logs_ok == len(failed_traces), f"{logs_ok}/{len(failed_traces)} payment errors logged through OTLP, each in its trace and span")

sys.exit(1 if failures else 0)
