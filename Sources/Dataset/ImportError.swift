/// A row that could not be read, with where it is: bad rows are reported,
/// never silently dropped.
public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let reason: String

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { "\(file):\(line): \(reason)" }
}

/// All the bad rows of an import; the import fails if there is any.
public struct ImportFailure: Error, Sendable, CustomStringConvertible {
    public let errors: [ImportError]

    public var description: String {
        let shown = errors.prefix(20).map(\.description).joined(separator: "\n")
        return errors.count > 20 ? shown + "\n... and \(errors.count - 20) more" : shown
    }
}
