import Dataset
public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a published version holds: each file's checksum and size, and the
/// metrics it was published with.
public struct ArtifactManifest: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Codable, Equatable {
        public let sha256: String
        public let bytes: Int
    }

    public let version: String
    public let created: String
    public let files: [String: Entry]
    public let metrics: [String: Double]
}

public struct ArtifactError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

/// Versioned artifact directories under `root`, with `root/current` a
/// symlink to the version in service. Publishing writes a staging directory,
/// renames it into place, then swaps `current` with one rename(2): a reader
/// sees the old version or the new one, never half of one.
public struct ArtifactStore: Sendable {
    public let root: String
    static let manifestName = "manifest.json"
    static let currentName = "current"

    public init(root: String) {
        self.root = root
    }

    /// Writes `files` as a new version and makes it current; returns its name.
    public func publish(_ files: [String: Data], metrics: [String: Double] = [:]) throws -> String {
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        for name in files.keys where name.isEmpty || name.contains("/") || name.hasPrefix(".") || name == Self.manifestName {
            throw ArtifactError(description: "invalid artifact name '\(name)'")
        }
        let version = try nextVersion()
        let staging = "\(root)/.staging-\(version)-\(getpid())"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: false)
        var published = false
        // A failed publication leaves nothing behind.
        defer { if !published { try? fm.removeItem(atPath: staging) } }
        var entries: [String: ArtifactManifest.Entry] = [:]
        for (name, data) in files {
            try data.write(to: URL(fileURLWithPath: "\(staging)/\(name)"))
            entries[name] = .init(sha256: SHA256.hex([UInt8](data)), bytes: data.count)
        }
        let manifest = ArtifactManifest(version: version, created: ISO8601DateFormatter().string(from: Date()), files: entries, metrics: metrics)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: "\(staging)/\(Self.manifestName)"))
        try renameOrThrow(staging, "\(root)/\(version)")
        published = true
        let link = "\(root)/.current-\(getpid())"
        try? fm.removeItem(atPath: link)
        try fm.createSymbolicLink(atPath: link, withDestinationPath: version)
        try renameOrThrow(link, "\(root)/\(Self.currentName)")
        return version
    }

    /// The version `current` points to, if any.
    public func currentVersion() -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/\(Self.currentName)")
    }

    /// Published versions, oldest first (staging directories excluded).
    public func versions() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { $0.hasPrefix("v") }.sorted()
    }

    /// Reads a version and checks every file (or those `matching`) against its manifest.
    public func load(version: String? = nil, matching: (String) -> Bool = { _ in true }) throws -> (manifest: ArtifactManifest, files: [String: Data]) {
        guard let version = version ?? currentVersion() else { throw ArtifactError(description: "no current version in \(root)") }
        let dir = "\(root)/\(version)"
        guard let manifestData = FileManager.default.contents(atPath: "\(dir)/\(Self.manifestName)") else {
            throw ArtifactError(description: "\(dir): no manifest")
        }
        let manifest = try JSONDecoder().decode(ArtifactManifest.self, from: manifestData)
        var files: [String: Data] = [:]
        for (name, entry) in manifest.files where matching(name) {
            guard let data = FileManager.default.contents(atPath: "\(dir)/\(name)") else {
                throw ArtifactError(description: "\(dir)/\(name): missing")
            }
            guard data.count == entry.bytes, SHA256.hex([UInt8](data)) == entry.sha256 else {
                throw ArtifactError(description: "\(dir)/\(name): checksum mismatch")
            }
            files[name] = data
        }
        return (manifest, files)
    }

    /// Names sort in publication order: v<UTC time>-<sequence>.
    private func nextVersion() throws -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let stamp = formatter.string(from: Date())
        let existing = versions()
        var sequence = 1
        if let last = existing.last, last.hasPrefix("v\(stamp)-"), let n = Int(last.split(separator: "-").last ?? "") { sequence = n + 1 }
        return String(format: "v%@-%04d", stamp, sequence)
    }

    private func renameOrThrow(_ from: String, _ to: String) throws {
        guard rename(from, to) == 0 else {
            throw ArtifactError(description: "rename \(from) -> \(to): \(String(cString: strerror(errno)))")
        }
    }
}
