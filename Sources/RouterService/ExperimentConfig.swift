public import Experiments
public import Logging
import Synchronization

/// The strategy table in service, swapped whole on reload: a request reads
/// one table from start to end, so a reload never drops or splits one.
public final class ExperimentConfig: Sendable {
    public let path: String
    let table: Mutex<ExperimentTable>
    let logger: Logger

    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        table = Mutex(try ExperimentTable.load(path: path))
    }

    public var current: ExperimentTable { table.withLock { $0 } }

    /// Re-reads the file; a bad file is logged and the old table kept.
    public func reload() {
        do {
            let next = try ExperimentTable.load(path: path)
            table.withLock { $0 = next }
            logger.info("experiments reloaded", metadata: ["path": "\(path)"])
        } catch {
            logger.error("experiments not reloaded, keeping the old table: \(error)")
        }
    }
}
