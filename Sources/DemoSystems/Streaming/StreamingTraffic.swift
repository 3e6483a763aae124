extension RequestKind {
    /// A viewer's home page (`GET /api/home/:user`).
    public static let home = RequestKind("home")
    /// A title's details (`GET /api/titles/:id`).
    public static let viewTitle = RequestKind("viewTitle")
    /// Start a stream, as a viewer with an active subscription (`POST /api/stream`).
    public static let startStream = RequestKind("startStream")
    /// Start a stream as a viewer whose subscription has lapsed: refused with 402.
    public static let startStreamLapsed = RequestKind("startStreamLapsed")
    /// The details of a title that does not exist: 404.
    public static let viewUnknownTitle = RequestKind("viewUnknownTitle")
    /// Start a stream of a title that does not exist: 404.
    public static let startStreamUnknownTitle = RequestKind("startStreamUnknownTitle")

    /// The streaming site's kinds. The last three are turned away (402, 404, 404) with no stream
    /// started, and the report shows that they were.
    public static let streaming: [RequestKind] = [.home, .viewTitle, .startStream, .startStreamLapsed, .viewUnknownTitle, .startStreamUnknownTitle]
}

extension TrafficMix {
    /// The streaming site's default: mostly home pages, a fifth title pages, streams, and a few
    /// that must be refused (lapsed subscriptions, unknown titles).
    public static let streaming = constant([
        .home: 55,
        .viewTitle: 20,
        .startStream: 17,
        .startStreamLapsed: 4,
        .viewUnknownTitle: 2,
        .startStreamUnknownTitle: 2,
    ])
}
