import Foundation
import ServiceRuntime
import TestSupport
import Testing

@Suite("store settings in deploy/suite.json")
struct StoreConfigurationTests {
    func load(_ json: String) throws -> SuiteConfiguration {
        let path = Fixture.temporaryDirectory("suiteConfiguration") + "/suite.json"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return try SuiteConfiguration.load(service: "CacheService", arguments: ["--config", path])
    }

    @Test("the SQLite write intervals take the file's values and default the others")
    func intervalsComeFromTheFile() throws {
        let configuration = try load(#"{"store": {"wait_list_flush_ms": 500, "checkpoint_ms": 4000}}"#)
        #expect(configuration.store.wait_list_flush_ms == 500)
        #expect(configuration.store.checkpoint_ms == 4000)
        #expect(configuration.store.history_merge_ms == 1000)
        #expect(configuration.store.history_gather_us == 400)
        #expect(try load(#"{"store": {"history_gather_us": 0}}"#).store.history_gather_us == 0)
        #expect(configuration.store.backend == "sqlite")
    }

    @Test("an interval that is not a positive number of milliseconds, or a gather wait past 0...100000 us, is refused, naming the setting")
    func nonPositiveIntervalIsRefused() throws {
        for key in ["wait_list_flush_ms", "history_merge_ms", "checkpoint_ms"] {
            let error = #expect(throws: ConfigurationError.self) { try load(#"{"store": {"\#(key)": 0}}"#) }
            #expect(error?.description.contains("store.\(key)") == true, "\(String(describing: error))")
        }
        for wait in [-1, 100_001] {
            let error = #expect(throws: ConfigurationError.self) { try load(#"{"store": {"history_gather_us": \#(wait)}}"#) }
            #expect(error?.description.contains("store.history_gather_us") == true, "\(String(describing: error))")
        }
    }
}
