import MeshtopKit
import ServiceMesh
import Synchronization
import Telemetry

// Two services of our own on a mesh, traffic to them, and meshtop's dashboard on it all (q quits).
let mesh = Mesh(name: "quotes", clock: ContinuousClock(), telemetry: MeshTelemetry(time: .continuous()))
mesh.deploy(Weather(), instances: 2)
mesh.deploy(Quotes(), instances: 2)
mesh.controlPlane.setPolicy(CallPolicy(timeout: .milliseconds(150)), caller: "quotes", target: "weather")

let cities = ["paris", "oslo", "lima", "tokyo", "cairo"]
let sent = Atomic<Int>(0)
let traffic = Repeating(every: .milliseconds(10)) {
    let city = cities[sent.add(1, ordering: .relaxed).oldValue % cities.count]
    _ = await mesh.ingress(Request(path: "/quote/\(city)"), service: "quotes")
}
try await MeshtopDashboard.run(mesh: mesh, alongside: [traffic])
