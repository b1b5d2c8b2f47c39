import Foundation

/// The data directory's layout: `db/<Service>.sqlite` (and files next to
/// it named after it, such as RecoCenter's history log `db/RecoCenter.log/`), created owner-only.
public enum DataDirectory {
    public static func database(_ service: String, in root: String) throws -> String {
        let directory = "\(root)/db"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return "\(directory)/\(service).sqlite"
    }
}
