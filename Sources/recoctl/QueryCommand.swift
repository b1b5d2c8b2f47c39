import Artifacts
import Dataset
import Foundation
import Messages
import Pipeline
import RPC

/// `recoctl recommend` and `recoctl similar`: call ABRouter like the web
/// backend and the app do, and print titles for humans.
enum QueryCommand {
    static func run(_ arguments: CommandLine.Arguments) throws {
        let router = arguments.option("--router") ?? "127.0.0.1:50051"
        guard let endpoint = RPCClient.Endpoint(router) else { throw UsageError("--router expects HOST:PORT, got '\(router)'") }
        let count = try arguments.int("-n", default: 10)
        let titles = (try? AtomicFiles.load(directory: "\(arguments.option("--artifacts") ?? "data/artifacts")/current", prefix: ArtifactLayout.catalogPrefix))?
            .articles.mapValues(\.title) ?? [:]
        // With TLS (mTLS) between the services: --tls-ca, and --tls-cert/--tls-key for a client certificate.
        let tls = arguments.option("--tls-ca").map {
            TLSConfiguration(certificateChainFile: arguments.option("--tls-cert"), privateKeyFile: arguments.option("--tls-key"), trustRootsFile: $0)
        }
        let client = try RPCClient(endpoint: endpoint, configuration: .init(tls: tls))
        defer { client.shutdown() }
        let command = arguments.command
        let words = arguments
        let lines = try blocking { () async throws -> [String] in
            if command == "recommend" {
                guard let user = words.option("--user") else { throw UsageError("recommend needs --user ID") }
                let request = User(userID: user, channelID: Int32(try words.int("--channel", default: 0)), articleNum: Int32(count),
                                   timeStamp: Int64(Date().timeIntervalSince1970 * 1000))
                let track: Track = try await client.unary("/UserRecommend/user_recommend", request, timeout: .seconds(5))
                let strategy = track.exposure.firstMatch(of: /"algorithmCombine":"([^"]*)"/)?.1 ?? ""
                return ["user \(user), strategy \(strategy), page back from \(track.timeStamp)"]
                    + track.recommends.map { "  \($0.articleID)\t\(titles[Int($0.articleID)] ?? "?")" }
            } else {
                guard let article = Int64(words.option("--article") ?? "") else { throw UsageError("similar needs --article ID") }
                let similar: Similar = try await client.unary("/UserRecommend/article_recommend", Article(articleID: article, articleNum: Int32(count)), timeout: .seconds(5))
                return ["like \(article) \(titles[Int(article)] ?? "?"):"] + similar.articleIDs.map { "  \($0)\t\(titles[Int($0)] ?? "?")" }
            }
        }
        lines.forEach { print($0) }
    }
}
