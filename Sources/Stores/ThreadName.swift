import CLinuxIO

/// Names the calling thread `<role> <file's stem>` (e.g. "log RecoCenter"),
/// as `top -H`, `perf` and /proc show it; the kernel keeps 15 bytes.
func nameThisThread(_ role: String, after path: String) {
    let stem = path.split(separator: "/").last?.split(separator: ".").first ?? ""
    CLinuxIO_name_thread("\(role) \(stem)")
}
