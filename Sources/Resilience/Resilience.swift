// The Resilience module: circuit breaker, retry, rate limiter, bulkhead, timeout, pipeline.
// It reports through the swift-metrics and swift-distributed-tracing APIs and knows no services.
