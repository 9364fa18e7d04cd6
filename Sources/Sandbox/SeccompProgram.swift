#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// A seccomp profile compiled to classic BPF by libseccomp, in the parent process, ready for the
/// sandbox child to load without allocating.
final class SeccompProgram {
    private(set) var program = scorpio_seccomp_program()

    /// System calls the profile names that this architecture does not have (skipped, as Docker does).
    var skippedRules: Int { program.skipped_rules }

    init(_ profile: SeccompProfile) throws(SandboxError) {
        let rules = profile.rules.flatMap { rule in rule.names.map { (name: $0, rule: rule) } }
        let names = rules.map { strdup($0.name) }
        defer { names.forEach { free($0) } }
        let conditions = rules.map { entry in
            entry.rule.conditions.map {
                scorpio_seccomp_condition(
                    index: $0.index, op: $0.comparison.rawValue, value: $0.value, value_two: $0.valueTwo)
            }
        }
        var message = [CChar](repeating: 0, count: 512)
        let status = Self.withConditionPointers(conditions) { conditionPointers in
            var cRules = rules.indices.map { i in
                scorpio_seccomp_rule(
                    syscall: names[i], action: rules[i].rule.action.libseccompValue,
                    conditions: conditionPointers[i], condition_count: conditions[i].count)
            }
            return scorpio_seccomp_compile(
                profile.defaultAction.libseccompValue, &cRules, cRules.count, &program, &message, message.count)
        }
        guard status == 0 else {
            throw .seccompCompilation(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    deinit { scorpio_seccomp_program_free(&program) }

    private static func withConditionPointers<Result>(
        _ conditions: [[scorpio_seccomp_condition]],
        _ body: ([UnsafePointer<scorpio_seccomp_condition>?]) -> Result
    ) -> Result {
        let buffers = conditions.map { list -> UnsafeMutableBufferPointer<scorpio_seccomp_condition> in
            let buffer = UnsafeMutableBufferPointer<scorpio_seccomp_condition>.allocate(capacity: max(list.count, 1))
            _ = buffer.initialize(from: list)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        return body(buffers.map { UnsafePointer($0.baseAddress) })
    }
}
