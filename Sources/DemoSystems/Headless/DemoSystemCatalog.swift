/// The names of the example systems' services, for validating `--fault` and scenario files before
/// a run starts (a typo is an error up front, not a fault that silently hits nothing).
public enum DemoSystemCatalog {
    /// The storefront's services, the gateway first.
    public static let storefrontServices = [
        "gateway",
        "user-service",
        "product-service",
        "inventory-service",
        "payment-service",
        "order-service",
        "notification-service",
    ]
}
