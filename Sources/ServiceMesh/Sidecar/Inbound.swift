import CoreMetrics
import Logging
import Telemetry
import Tracing

extension Mesh {
    /// The inbound half of an instance's sidecar: continue the caller's trace from `traceparent`,
    /// check who may call, route, count in flight, run the handler, and measure.
    ///
    /// Always answers: a handler's ``BadRequestError`` is a 400, an ``HTTPError`` its status, an
    /// escaped ``MeshCallError`` its ``MeshCallError/response`` (503/504), anything else a 500.
    @inline(__always)
    func inbound(_ request: Request, to runtime: InstanceRuntime, fault: InjectedFault? = nil) async -> Response {
        let deployed = runtime.deployed
        let serviceName = runtime.instance.service
        let tracer = deployed.tracer
        let started = deployed.time.nanosecondsSinceOrigin()
        // The mesh's own headers, by their lowercase names: no case check, even when absent.
        let caller = request.headers[lowercased: MeshHeader.caller]
        let path = request.pathWithoutQuery

        let (match, catchAll) = deployed.router.matchRoute(request.method, path)
        let route: String
        switch match {
        case .found(let pattern, _, _): route = pattern
        default: route = "\(request.method) (unmatched)"
        }
        // Spans are named by route (few names, as OpenTelemetry advises), except a catch-all route
        // such as the gateway's `/api/:prefix/*rest`, whose name would say nothing: there, the path.
        let spanName = catchAll ? "\(request.method) \(path)" : route
        // The caller's trace continues from the headers, as over HTTP. The server span is private
        // to this request and recorded in one go at the end, with the clock readings the metrics use.
        let span = tracer.beginSpan(traceparent: request.headers[lowercased: MeshHeader.traceparent],
                                    tracestate: request.headers[lowercased: MeshHeader.tracestate], startNanoseconds: started)

        runtime.inFlight.add(1, ordering: .relaxed)
        deployed.metrics.inFlight.increment()
        defer {
            runtime.inFlight.subtract(1, ordering: .relaxed)
            deployed.metrics.inFlight.decrement()
        }

        let response: Response
        var events: [FinishedSpan.Event] = []
        if let fault, let injected = await enact(fault) {
            response = injected
        } else if !controlPlane.isAllowed(caller: caller, target: serviceName) {
            response = .error(403, "\(caller ?? "an outside client") may not call \(serviceName)")
            telemetry.events.record(source: serviceName, kind: .security, message: "denied a call from \(caller ?? "outside") to \(request.method) \(path)",
                                    attributes: ["caller": caller ?? "", "route": route], traceId: span.traceID.description)
            Self.logDenied(deployed.logger, caller: caller, method: request.method, path: path, in: span.context)
        } else {
            switch match {
            case .notFound:
                response = .error(404, "no route for \(request.method) \(path) on \(serviceName)")
            case .methodNotAllowed(let allowed):
                var answer = Response.error(405, "\(request.method) is not allowed on \(path); allowed: \(allowed.map(\.rawValue).joined(separator: ", "))")
                answer.headers["allow"] = allowed.map(\.rawValue).joined(separator: ", ")
                response = answer
            case .found(let route, let parameters, let handler):
                let requestContext = RequestContext(parameters: parameters, caller: caller, instance: runtime.instance, route: route, client: MeshClient(mesh: self, caller: serviceName, channels: deployed.channels))
                // The handler runs with the server span as the current context, so its own spans
                // and calls are children of it. (Through the task-local itself, which the compiler
                // specialises here, rather than the generic `ServiceContext.withValue` wrapper.)
                (response, events) = await ServiceContext.$current.withValue(span.context) {
                    let answer = await Self.run(handler, request, requestContext, time: deployed.time)
                    if answer.0.isServerError { Self.logFailure(deployed.logger, answer.0, name: spanName, route: route, events: answer.1) }
                    return answer
                }
            }
        }

        let status = response.isServerError ? SpanStatus(code: .error, message: response.errorMessage ?? "\(response.status)") : nil
        let faultDescription = fault.map { "\($0)" }
        let ended = deployed.time.nanosecondsSinceOrigin()
        // Written straight into the trace store's pending batch; names are hashed when it is assembled.
        tracer.record(span, operation: spanName, kind: .server, endNanoseconds: ended, status: status, events: events) { attributes in
            attributes.set("http.target", request.path)
            attributes.set("instance", runtime.instance.id)
            if let caller { attributes.set("caller", caller) }
            if let faultDescription { attributes.set("fault", faultDescription) }
            attributes.set("http.status_code", response.status)
        }
        deployed.metrics.record(route: route, status: response.status, nanoseconds: ended - started)
        return response
    }

    /// A handler's 5xx, logged in the server span's context and named as the span is (the route,
    /// or the path under a catch-all route): a dependency that failed is a warning (the caller saw
    /// it coming), anything else an error. Out of line: the path of a request that succeeds
    /// carries none of it.
    @inline(never)
    private static func logFailure(_ logger: Logger, _ response: Response, name: String, route: String, events: [FinishedSpan.Event]) {
        let reason = response.errorMessage ?? "status \(response.status)"
        if let failed = events.first(where: { $0.name == "dependency failed" }), case .string(let target)? = failed.attributes.get("target") {
            logger.warning("\(name) answered \(response.status): \(target) failed: \(reason)",
                           metadata: ["route": .string(route), "status": .stringConvertible(response.status), "dependency": .string(target)])
        } else {
            logger.error("\(name) answered \(response.status): \(reason)", metadata: ["route": .string(route), "status": .stringConvertible(response.status)])
        }
    }

    @inline(never)
    private static func logDenied(_ logger: Logger, caller: String?, method: HTTPMethod, path: Substring, in context: ServiceContext) {
        ServiceContext.$current.withValue(context) {
            logger.warning("denied a call from \(caller ?? "outside") to \(method) \(path): not an allowed caller",
                           metadata: ["caller": .string(caller ?? "")])
        }
    }

    /// Enacts an injected fault: the response to give instead of handling, or nil to go on.
    /// A delay or hang that the caller cancels ends with 499 (client closed), as nginx logs it.
    private func enact(_ fault: InjectedFault) async -> Response? {
        switch fault {
        case .error(let status, let message):
            return .error(status, message)
        case .delay(let duration):
            do { try await clock.sleep(for: duration) } catch { return .error(499, "the caller gave up during an injected delay") }
            return nil
        case .hang:
            while true {
                do { try await clock.sleep(for: .seconds(3600)) } catch { return .error(499, "the caller gave up on a hanging instance") }
            }
        }
    }

    /// The handler's response, and the server span's events (a dependency that failed).
    @inline(__always)
    private static func run(_ handler: Handler, _ request: Request, _ context: RequestContext,
                            time: TimeSource) async -> (Response, [FinishedSpan.Event]) {
        do {
            return (try await handler(request, context), [])
        } catch let error as BadRequestError {
            return (.error(400, error.message), [])
        } catch let error as HTTPError {
            return (.error(error.status, error.message), [])
        } catch let error as MeshCallError {
            let event = FinishedSpan.Event(name: "dependency failed", at: time.now(),
                                           attributes: ["target": .string(error.target), "kind": .string(error.kind.rawValue)])
            return (error.response, [event])
        } catch {
            return (.error(500, "\(error)"), [])
        }
    }
}
