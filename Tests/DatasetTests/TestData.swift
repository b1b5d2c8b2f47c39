import Foundation

/// Where `make data` puts MovieLens-100K (the package root's data/raw).
let rawDataDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("data/raw").path
