import ServiceMesh

/// The sky over a city. Slow now and then, as a real dependency is: the `quotes` service's
/// policy (a 150 ms timeout, retries, a breaker) is what keeps that from reaching its callers.
struct Weather: MeshService {
    let name = "weather"

    var router: Router {
        var router = Router()
        router.get("/weather/:city") { _, context in
            let city = try context.parameter("city")
            let skies = ["sunny", "cloudy", "rainy", "windy"]
            return .json(["city": city, "sky": skies[city.utf8.count % skies.count]])
        }
        return router
    }
}

/// A quote for the day in a city, chosen by its weather; when `weather` fails or its breaker is
/// open, a quote for any weather (the fallback the dashboard's fault key lets you watch).
struct Quotes: MeshService {
    let name = "quotes"

    struct Sky: Decodable { var sky: String }

    var router: Router {
        var router = Router()
        router.get("/quote/:city") { _, context in
            let city = try context.parameter("city")
            guard let answer = try? await context.client.get("weather", "/weather/\(city)"), answer.isSuccess,
                  let weather = try? answer.decode(Sky.self) else {
                return .text("Whatever the weather, we'll weather the weather.")
            }
            return .text(weather.sky == "rainy" ? "Into each life some rain must fall." : "Make hay while the sun shines.")
        }
        return router
    }
}
