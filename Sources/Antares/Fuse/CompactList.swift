/// Elements in order with the first kept inline: a union node's names and a lower origin's places are
/// one in all but a few cases, and an array of one is a heap allocation of its own for every node.
struct CompactList<Element: Sendable & Equatable>: Sendable, Equatable, MutableCollection, RandomAccessCollection,
    ExpressibleByArrayLiteral
{
    /// Nil only when the list is empty (then `tail` is empty too).
    private var head: Element?
    private var tail: [Element] = []

    init() {}

    init(arrayLiteral elements: Element...) {
        for element in elements { append(element) }
    }

    var startIndex: Int { 0 }
    var endIndex: Int { head == nil ? 0 : 1 + tail.count }

    subscript(position: Int) -> Element {
        get { position == 0 ? head! : tail[position - 1] }
        set {
            if position == 0 { head = newValue } else { tail[position - 1] = newValue }
        }
    }

    mutating func append(_ element: Element) {
        if head == nil { head = element } else { tail.append(element) }
    }

    mutating func removeAll(where shouldBeRemoved: (Element) throws -> Bool) rethrows {
        var kept = CompactList()
        for element in self where try !shouldBeRemoved(element) { kept.append(element) }
        self = kept
    }
}
