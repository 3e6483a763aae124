extension Mesh {
    /// Subscribes `service` to `topic` with deliveries pushed through the mesh: each event is
    /// POSTed as JSON to `path` on an instance of `service`, as ``EventBus/clientName`` (so the
    /// calls carry that channel's policy and breaker, and show as the topic's event edge). A
    /// delivery answered with anything but success is retried by the bus, then dead-lettered.
    /// With `partitions` > 1, up to that many deliveries run at once, in order per event key
    /// (``EventBus/subscribe(_:as:partitions:handler:)``).
    public func pushEvents(of topic: String, to service: String, path: String = "/events", partitions: Int = 1) {
        let bus = client(as: EventBus.clientName)
        eventBus.subscribe(topic, as: service, partitions: partitions) { envelope in
            let response = try await bus.post(service, path, json: envelope)
            guard response.isSuccess else { throw HTTPError(response.status, response.errorMessage ?? "delivery failed") }
        }
    }
}
