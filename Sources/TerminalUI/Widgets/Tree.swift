/// One visible row of a tree.
public struct TreeItem: Sendable, Hashable {
    /// 0 for a root.
    public var depth: Int
    public var hasChildren: Bool
    public var isExpanded: Bool
    /// The last of its siblings (drawn with `└` instead of `├` when it is a leaf).
    public var isLastSibling: Bool
    public var label: Line

    public init(depth: Int, hasChildren: Bool, isExpanded: Bool, isLastSibling: Bool, label: Line) {
        self.depth = depth
        self.hasChildren = hasChildren
        self.isExpanded = isExpanded
        self.isLastSibling = isLastSibling
        self.label = label
    }
}

/// An indented tree: two columns per level, `▾`/`▸` for an expanded/collapsed node with
/// children, `├`/`└` for a leaf (ASCII: `-`, `+`, `|`, `` ` ``).
///
///     ▾ POST /api/orders
///       ▾ create_order
///         ├ GET /users/42
///         └ process_payment
public struct Tree: Widget, Sendable {
    public var items: [TreeItem]
    public var selected: Int?
    public var offset: Int
    public var glyphs: Glyphs
    public var selectedStyle: Style

    public init(items: [TreeItem], selected: Int? = nil, offset: Int = 0, glyphs: Glyphs, selectedStyle: Style = Style(.plain, .reverse)) {
        self.items = items
        self.selected = selected
        self.offset = offset
        self.glyphs = glyphs
        self.selectedStyle = selectedStyle
    }

    /// The indentation and marker before an item's label, ending in a space.
    public static func prefix(for item: TreeItem, glyphs: Glyphs) -> String {
        let marker: Character
        if item.hasChildren {
            marker = item.isExpanded ? glyphs.treeExpanded : glyphs.treeCollapsed
        } else {
            marker = item.isLastSibling ? glyphs.treeLast : glyphs.treeBranch
        }
        return String(repeating: " ", count: 2 * max(0, item.depth)) + String(marker) + " "
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let first = Table.scrollOffset(selected: selected, offset: offset, visibleRows: area.height, rowCount: items.count)
        var y = area.y
        var index = first
        while index < items.count, y < area.maxY {
            let item = items[index]
            let row = Rect(x: area.x, y: y, width: area.width, height: 1)
            let x = buffer.write(Tree.prefix(for: item, glyphs: glyphs), x: area.x, y: y, style: .muted, clip: row)
            buffer.write(item.label, x: x, y: y, clip: row)
            if index == selected { buffer.patchStyle(row, selectedStyle) }
            index += 1
            y += 1
        }
    }
}
