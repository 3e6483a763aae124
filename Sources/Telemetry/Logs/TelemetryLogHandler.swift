import Instrumentation
import Logging

/// A swift-log `LogHandler` that writes into a ``LogStore``, each record carrying the trace and
/// span ids of the current `ServiceContext` (the span a ``TelemetryTracer`` made current, or a
/// parent received from another process).
///
/// Make a `Logger` over it and pass that logger in; never bootstrap it in a library:
///
/// ```swift
/// let logger = Logger(label: "payment-service") { _ in TelemetryLogHandler(store: logs, service: "payment-service") }
/// ```
///
/// Metadata, lowest precedence first: the metadata provider's, the handler's (`logger[metadataKey:]`),
/// the call's; a call's `error` is recorded as `error`. Like every `LogHandler`, it is a value:
/// changing one logger's level or metadata changes no other. Safe from any task.
public struct TelemetryLogHandler: LogHandler {
    public let store: LogStore
    /// The service the records are attributed to.
    public let service: String
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    public init(store: LogStore, service: String, logLevel: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil) {
        self.store = store
        self.service = service
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged: [String: String] = [:]
        if let provided = metadataProvider?.get() {
            for (key, value) in provided { merged[key] = value.description }
        }
        for (key, value) in metadata { merged[key] = value.description }
        if let own = event.metadata {
            for (key, value) in own { merged[key] = value.description }
        }
        if let error = event.error { merged["error"] = String(describing: error) }
        let trace = ServiceContext.current?.traceContext
        store.append(level: LogLevel(event.level), service: service, message: event.message.description,
                     metadata: merged, traceID: trace?.traceID, spanID: trace?.spanID)
    }
}

extension LogLevel {
    /// The same level as swift-log's.
    public init(_ level: Logger.Level) {
        switch level {
        case .trace: self = .trace
        case .debug: self = .debug
        case .info: self = .info
        case .notice: self = .notice
        case .warning: self = .warning
        case .error: self = .error
        case .critical: self = .critical
        }
    }
}
