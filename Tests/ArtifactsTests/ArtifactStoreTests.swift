import Artifacts
import Foundation
import Testing

@Suite("artifact store")
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
    func readersNeverSeeHalfAVersion() async throws {
        let s = store()
        _ = try s.publish(["a": Data("0".utf8), "b": Data("0".utf8)])
        let reader = Task.detached {
            var loads = 0
            while !Task.isCancelled {
                let (manifest, files) = try s.load()
                #expect(files["a"] == files["b"], "version \(manifest.version) is mixed")
                loads += 1
            }
            return loads
        }
        for i in 1...30 {
            _ = try s.publish(["a": Data("\(i)".utf8), "b": Data("\(i)".utf8)])
        }
        reader.cancel()
        #expect(try await reader.value > 0)
        #expect(s.versions().count == 31)
    }
}
