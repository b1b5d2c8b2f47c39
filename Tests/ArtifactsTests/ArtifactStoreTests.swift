import Artifacts
import Foundation
import Testing
import TestSupport

@Suite("artifact store", .ownThread)
struct ArtifactStoreTests {
    func store() -> ArtifactStore {
        ArtifactStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("artifacts-\(UUID())").path)
    }

    @Test("publishing makes the new version current and keeps the old one loadable")
    func publishAndSwap() throws {
        let s = store()
        let first = try s.publish(["model.json": Data("one".utf8)], metrics: ["auc": 0.78])
        #expect(s.currentVersion() == first)
        let second = try s.publish(["model.json": Data("two".utf8)])
        #expect(s.currentVersion() == second)
        #expect(s.versions() == [first, second])
        #expect(try s.load().files["model.json"] == Data("two".utf8))
        let old = try s.load(version: first)
        #expect(old.files["model.json"] == Data("one".utf8) && old.manifest.metrics["auc"] == 0.78)
    }

    @Test("a file that does not match its manifest is refused")
    func checksumMismatch() throws {
        let s = store()
        let version = try s.publish(["recall.bin": Data([1, 2, 3])])
        try Data([1, 2, 4]).write(to: URL(fileURLWithPath: "\(s.root)/\(version)/recall.bin"))
        #expect(throws: ArtifactError.self) { try s.load() }
    }

    @Test("names that could escape the version directory are refused")
    func badNames() {
        let s = store()
        for name in ["../x", ".hidden", "manifest.json", "a/b"] {
            #expect(throws: ArtifactError.self) { try s.publish([name: Data()]) }
        }
        #expect(s.currentVersion() == nil)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: s.root))?.isEmpty ?? true)
    }

    @Test("a reader polling current during many publications always finds a whole version")
    func readersNeverSeeHalfAVersion() throws {
        let s = store()
        _ = try s.publish(["a": Data("0".utf8), "b": Data("0".utf8)])
        let state = ReaderState()
        let started = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        // A thread of its own, so a busy test pool cannot starve it.
        Thread {
            while !state.stop {
                do {
                    let (manifest, files) = try s.load()
                    if files["a"] != files["b"] { state.record("version \(manifest.version) is mixed") }
                } catch {
                    state.record("load failed: \(error)")
                }
                if state.countLoad() == 1 { started.signal() }
            }
            finished.signal()
        }.start()
        started.wait()
        for i in 1...30 {
            _ = try s.publish(["a": Data("\(i)".utf8), "b": Data("\(i)".utf8)])
        }
        state.stop = true
        finished.wait()
        #expect(state.problems.isEmpty, "\(state.problems)")
        #expect(s.versions().count == 31)
    }
}

/// What the reader thread saw, behind a lock.
final class ReaderState: @unchecked Sendable {
    private let lock = NSLock()
    private var loads = 0
    private var stopFlag = false
    private(set) var problems: [String] = []

    var stop: Bool {
        get { lock.withLock { stopFlag } }
        set { lock.withLock { stopFlag = newValue } }
    }

    func countLoad() -> Int { lock.withLock { loads += 1; return loads } }
    func record(_ problem: String) { lock.withLock { problems.append(problem) } }
}
