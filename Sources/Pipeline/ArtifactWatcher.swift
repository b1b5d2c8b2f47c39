import CLinuxIO
import CoreMetrics
public import Artifacts
import Foundation
public import Logging
import Synchronization

/// Keeps the services on the newest published version without a restart:
/// checks the store's `current` pointer every `interval` (one readlink) and
/// swaps in a fully loaded and verified version; requests in flight keep the
/// version they started with. A version that fails to load is logged and the
/// old one stays in service.
public final class ArtifactWatcher: Sendable {
    public let store: ArtifactStore
    let state = Mutex<ServingArtifacts?>(nil)
    let logger: Logger
    let stopped = Atomic<Bool>(false)
    let parts: ServingArtifacts.Parts
    let listeners = Mutex<[@Sendable (ServingArtifacts) -> Void]>([])

    /// Loads the current version now; throws if there is none that loads.
    public init(store: ArtifactStore, parts: ServingArtifacts.Parts = .all, logger: Logger) throws {
        self.store = store
        self.logger = logger
        self.parts = parts
        let first = try ServingArtifacts(store: store, parts: parts)
        state.withLock { $0 = first }
        logger.info("artifacts loaded", metadata: ["version": "\(first.version)"])
        Self.report(first, replacing: nil)
    }

    public var current: ServingArtifacts { state.withLock { $0! } }

    /// The version in service (`artifact_version{version}` 1, the one it
    /// replaced 0) and when it was published, through swift-metrics.
    static func report(_ serving: ServingArtifacts, replacing previous: ServingArtifacts?) {
        if let previous { Gauge(label: "artifact_version", dimensions: [("version", previous.version)]).record(0) }
        Gauge(label: "artifact_version", dimensions: [("version", serving.version)]).record(1)
        Gauge(label: "artifact_created_timestamp_seconds").record(serving.created.timeIntervalSince1970)
    }

    /// Loads the current version if it is not the one in service.
    @discardableResult
    public func reloadIfChanged() -> Bool {
        guard let version = store.currentVersion(), version != current.version else { return false }
        do {
            let next = try ServingArtifacts(store: store, version: version, parts: parts)
            let previous = current
            state.withLock { $0 = next }
            logger.info("artifacts reloaded", metadata: ["version": "\(version)"])
            Self.report(next, replacing: previous)
            for listener in listeners.withLock({ $0 }) { listener(next) }
            return true
        } catch {
            logger.error("artifacts version \(version) rejected, keeping \(current.version): \(error)")
            return false
        }
    }

    /// Runs `body` with each new version once it is in service, on the
    /// watcher's thread: derived state is rebuilt there, not by the first request.
    public func whenChanged(_ body: @escaping @Sendable (ServingArtifacts) -> Void) {
        listeners.withLock { $0.append(body) }
    }

    /// Polls on a background thread until `stop`.
    public func watch(every interval: Duration = .seconds(2)) {
        let thread = Thread { [self] in
            CLinuxIO_name_thread("artifacts")
            while !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
                reloadIfChanged()
            }
        }
        thread.start()
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }
}
