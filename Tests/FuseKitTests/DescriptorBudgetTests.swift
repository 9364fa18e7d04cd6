import FuseKit
import Testing

/// The descriptors FUSE caches may hold are one budget, shared by the caches alive.
struct DescriptorBudgetTests {
    @Test func theBudgetIsSplitAmongTheCachesAliveAndComesBackWhenOneGoes() {
        let budget = DescriptorBudget(total: 1000)
        let first = budget.join()
        #expect(budget.share == 1000)
        var others = (0..<3).map { _ in budget.join() }
        #expect(budget.share == 250, "four caches share what one had")
        others.removeAll()
        #expect(budget.share == 1000)
        withExtendedLifetime(first) {}
        #expect(DescriptorBudget(total: 16).share >= 8, "a cache always has a few")
    }

    @Test func theProcessBudgetIsAShareOfItsLimit() {
        #expect(DescriptorBudget.process.total <= 8192)
        #expect(DescriptorBudget.process.total >= 32)
    }
}
