/// Something that draws itself into a buffer, inside the area it is given and nowhere else.
/// Widgets do no I/O and read no clock: the same widget and area always draw the same cells.
public protocol Widget {
    func render(in area: Rect, buffer: inout Buffer)
}

extension Buffer {
    /// Draws a widget into `area` (clipped to this buffer).
    public mutating func render(_ widget: some Widget, in area: Rect) {
        widget.render(in: area.intersection(self.area), buffer: &self)
    }
}
