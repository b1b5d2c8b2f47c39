import Foundation

extension Thread {
    /// Names the calling thread `<role> <file's stem>` as `top -H`, `perf`
    /// and /proc show it (Foundation names only the current thread on Linux,
    /// and Linux refuses names past 15 bytes, so it is cut there).
    static func nameCurrent(_ role: String, after path: String) {
        let stem = path.split(separator: "/").last?.split(separator: ".").first ?? ""
        current.name = String("\(role) \(stem)".prefix(15))
    }
}
