/// Finds the known name closest to a mistyped one, for "did you mean" hints.
enum KeySuggestion {
    /// The candidate nearest to `name` by edit distance, if it is near enough to be a typo.
    static func closest(to name: String, among candidates: [String]) -> String? {
        let tolerance = max(2, name.count / 4)
        let ranked = candidates
            .map { (candidate: $0, distance: editDistance(name, $0)) }
            .filter { $0.distance <= tolerance }
            .min { $0.distance < $1.distance }
        return ranked?.candidate
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let source = Array(lhs), target = Array(rhs)
        guard !source.isEmpty else { return target.count }
        guard !target.isEmpty else { return source.count }
        var previous = Array(0...target.count)
        var current = [Int](repeating: 0, count: target.count + 1)
        for i in 1...source.count {
            current[0] = i
            for j in 1...target.count {
                let substitution = previous[j - 1] + (source[i - 1] == target[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[target.count]
    }
}
