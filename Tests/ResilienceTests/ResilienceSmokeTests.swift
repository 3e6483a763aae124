import Testing
@testable import Resilience
