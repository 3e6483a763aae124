/// A rectangle of cells: columns `x ..< x + width`, rows `y ..< y + height`.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    /// Negative sizes become zero.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public static let zero = Rect(x: 0, y: 0, width: 0, height: 0)

    public var minX: Int { x }
    public var minY: Int { y }
    /// One past the last column.
    public var maxX: Int { x + width }
    /// One past the last row.
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }
    public var area: Int { width * height }

    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < maxX && py >= y && py < maxY
    }

    /// The part of both rectangles; `.zero`-sized (at self's origin) when they do not meet.
    public func intersection(_ other: Rect) -> Rect {
        let nx = max(x, other.x)
        let ny = max(y, other.y)
        let nmaxX = min(maxX, other.maxX)
        let nmaxY = min(maxY, other.maxY)
        if nmaxX <= nx || nmaxY <= ny { return Rect(x: nx, y: ny, width: 0, height: 0) }
        return Rect(x: nx, y: ny, width: nmaxX - nx, height: nmaxY - ny)
    }

    /// This rectangle shrunk by the given margins (never below zero size).
    public func inset(top: Int = 0, left: Int = 0, bottom: Int = 0, right: Int = 0) -> Rect {
        Rect(x: x + left, y: y + top, width: width - left - right, height: height - top - bottom)
    }

    /// Row `index` of this rectangle as a one-row rectangle (empty when outside).
    public func row(_ index: Int) -> Rect {
        guard index >= 0, index < height else { return Rect(x: x, y: y + max(0, index), width: 0, height: 0) }
        return Rect(x: x, y: y + index, width: width, height: 1)
    }

    public var description: String { "Rect(x: \(x), y: \(y), w: \(width), h: \(height))" }
}

/// The size wanted for one part of a split.
public enum Constraint: Hashable, Sendable {
    /// Exactly this many cells (less when the space runs out).
    case length(Int)
    /// This percentage (0…100) of the whole space, rounded down.
    case percent(Int)
    /// A share of what is left after lengths and percentages, by weight (`.fill(1)` everywhere
    /// shares equally).
    case fill(Int)

    /// `.fill(1)`.
    public static let fill = Constraint.fill(1)
}

/// The axis a split cuts along: `.vertical` stacks rows top to bottom, `.horizontal` places
/// columns left to right.
public enum Direction: Hashable, Sendable {
    case vertical, horizontal
}

extension Rect {
    /// Splits this rectangle into consecutive parts, one per constraint.
    ///
    /// Fixed lengths and percentages are served first, in order, until space runs out (later
    /// ones then get less, down to zero); fills share what remains by weight, the remainder of
    /// the division going to the earliest fills. `spacing` cells are left between parts.
    /// The parts always lie inside this rectangle.
    public func split(_ direction: Direction, _ constraints: [Constraint], spacing: Int = 0) -> [Rect] {
        let total = direction == .vertical ? height : width
        let gaps = max(0, spacing) * max(0, constraints.count - 1)
        var remaining = max(0, total - gaps)
        var sizes = [Int](repeating: 0, count: constraints.count)
        var fillWeight = 0
        for (index, constraint) in constraints.enumerated() {
            switch constraint {
            case .length(let n):
                sizes[index] = min(max(0, n), remaining)
                remaining -= sizes[index]
            case .percent(let p):
                sizes[index] = min(total * min(max(0, p), 100) / 100, remaining)
                remaining -= sizes[index]
            case .fill(let weight):
                fillWeight += max(0, weight)
            }
        }
        if fillWeight > 0 {
            let share = remaining
            var given = 0
            for (index, constraint) in constraints.enumerated() {
                if case .fill(let weight) = constraint {
                    sizes[index] = share * max(0, weight) / fillWeight
                    given += sizes[index]
                }
            }
            var leftover = share - given
            for (index, constraint) in constraints.enumerated() where leftover > 0 {
                if case .fill(let weight) = constraint, weight > 0 {
                    sizes[index] += 1
                    leftover -= 1
                }
            }
        }
        var rects: [Rect] = []
        rects.reserveCapacity(constraints.count)
        var cursor = direction == .vertical ? y : x
        for size in sizes {
            switch direction {
            case .vertical: rects.append(Rect(x: x, y: cursor, width: width, height: size))
            case .horizontal: rects.append(Rect(x: cursor, y: y, width: size, height: height))
            }
            cursor += size + max(0, spacing)
        }
        return rects
    }
}
