/// A store's background upkeep (a write-behind flush, a merge) every
/// `interval` until cancelled. The store is held weakly between rounds, so
/// the loop never keeps it alive; it ends with the store.
func upkeep<Store: AnyObject & Sendable>(of store: Store, every interval: Duration,
                                         _ work: @escaping @Sendable (Store) async throws -> Void) -> Task<Void, Never> {
    Task { [weak store] in
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard let store else { return }
            try? await work(store)
        }
    }
}
