import Foundation

extension CommandLine {
    static let usage = """
    usage: recoctl COMMAND [options]
      data fetch [--dir data/raw]                 download MovieLens-100K (recbole 1.2.1 wheel) and verify it
      import [--ml100k DIR | --users F --items F --events F] [--out data/catalog]
                                                  validate a catalogue and its events (CSV or JSONL) and store it
      train [--catalog data/catalog] [--artifacts data/artifacts] [--events data/events | redis://HOST:PORT/DB | unix:///PATH [--partitions 1]]
                                                  train, evaluate and publish a new artifact version (with the behaviour log replayed)
      versions [--artifacts data/artifacts]       list published versions and their metrics
      eval [--json] [--data DIR] [--predictions FILE] [--recall]
                                                  evaluate the ranking models (or recall channels) on the protocol split
      recommend --user ID [--channel 0] [-n 10] [--router 127.0.0.1:50051]
      similar --article ID [-n 10] [--router 127.0.0.1:50051]
                                                  (both take --tls-ca FILE [--tls-cert FILE --tls-key FILE] when the suite serves TLS)
      status [NAME] [--recod 127.0.0.1:50050]     each supervised program's state, pid, uptime and restarts
      start|stop|restart NAME [--recod ...]       one program, leaving the others alone
      trace USER_ID [--channel 0] [-n 10] [--config deploy/suite.json]
                                                  one user_recommend under a new trace id: the call tree and each hop's time
      top [--interval 1] [--once] [--config deploy/suite.json]
                                                  live calls/s, p99 and errors per method, degradations, cache hit rate, event lag, artifact age
      ab-report [--events data/events | redis://... [--partitions 1]] [--control Algo-1] [--bin-minutes 60] [--svg FILE]
                                                  CTR per strategy with 95% intervals and z-tests, from the event log
    """

    /// `COMMAND [SUBCOMMAND] --name value --flag ...`
    struct Arguments {
        let words: [String]
        var command: String { words.first ?? "help" }

        init(_ words: [String]) { self.words = words }

        func option(_ name: String) -> String? {
            guard let i = words.firstIndex(of: name), i + 1 < words.count else { return nil }
            return words[i + 1]
        }

        func flag(_ name: String) -> Bool { words.contains(name) }

        func int(_ name: String, default value: Int) throws -> Int {
            guard let text = option(name) else { return value }
            guard let n = Int(text) else { throw UsageError("\(name) expects an integer, got '\(text)'") }
            return n
        }
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Progress on stderr: one rewritten line on a terminal, plain lines otherwise.
struct ProgressLine: Sendable {
    let started = ContinuousClock.now
    let terminal = isatty(STDERR_FILENO) != 0

    func callAsFunction(_ message: String) {
        let elapsed = started.duration(to: .now)
        let stamp = String(format: "%5.1fs", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        let text = terminal ? "\r\u{1B}[2K[\(stamp)] \(message)" : "[\(stamp)] \(message)\n"
        FileHandle.standardError.write(Data(text.utf8))
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
