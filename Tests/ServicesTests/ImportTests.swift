import Dataset
import Foundation
import TestSupport
import Testing

@Suite("generic import", .ownThread)
struct ImportTests {
    func write(_ files: [String: String]) throws -> String {
        let dir = Fixture.temporaryDirectory("import")
        for (name, text) in files { try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8) }
        return dir
    }

    @Test("CSV with quoted commas, quotes and newlines, and JSON Lines, load the same catalogue")
    func csvAndJSONLinesLoad() throws {
        let dir = try write([
            "users.csv": "user_id,age,gender,occupation,zip_code\n1,30,F,writer,12345\n2,41,M,\"engineer, senior\",9\n",
            "items.csv": "item_id,title,release_year,genres\n10,\"Heat, the \"\"director's cut\"\"\",1995,Action|Crime\n11,\"Two\nlines\",1996,Drama\n",
            "events.csv": "user_id,item_id,rating,timestamp\n1,10,5,100\n2,11,2,200\n",
            "users.jsonl": "{\"user_id\": 1, \"age\": 30, \"gender\": \"F\", \"occupation\": \"writer\", \"zip_code\": \"12345\"}\n{\"user_id\": 2, \"age\": 41, \"gender\": \"M\", \"occupation\": \"engineer, senior\", \"zip_code\": \"9\"}\n",
            "items.jsonl": "{\"item_id\": 10, \"title\": \"Heat, the \\\"director's cut\\\"\", \"release_year\": \"1995\", \"genres\": [\"Action\", \"Crime\"]}\n{\"item_id\": 11, \"title\": \"Two\\nlines\", \"release_year\": 1996, \"genres\": \"Drama\"}\n",
            "events.jsonl": "{\"user_id\": 1, \"item_id\": 10, \"rating\": 5, \"timestamp\": 100}\n\n{\"user_id\": 2, \"item_id\": 11, \"rating\": 2, \"timestamp\": 200}\n",
        ])
        let csv = try GenericFormat.load(users: "\(dir)/users.csv", items: "\(dir)/items.csv", events: "\(dir)/events.csv")
        let jsonl = try GenericFormat.load(users: "\(dir)/users.jsonl", items: "\(dir)/items.jsonl", events: "\(dir)/events.jsonl")
        for catalog in [csv, jsonl] {
            #expect(catalog.articles[10]?.title == "Heat, the \"director's cut\"")
            #expect(catalog.articles[10]?.genres == ["Action", "Crime"])
            #expect(catalog.articles[11]?.title == "Two\nlines")
            #expect(catalog.users[2]?.occupation == "engineer, senior")
            #expect(catalog.interactions.map(\.label) == [1, 0])
            #expect(catalog.channels == ["Action", "Crime", "Drama"])
        }
        // Written as atomic files and read back: the same catalogue.
        try AtomicFiles.write(csv, directory: dir + "/atomic", prefix: "catalog")
        let back = try AtomicFiles.load(directory: dir + "/atomic", prefix: "catalog")
        #expect(back.users == csv.users)
        #expect(back.interactions == csv.interactions)
        #expect(back.articles[11]?.title == "Two lines")
    }

    @Test("every bad row is reported with its file and line; nothing is dropped silently")
    func badRowsAreReported() throws {
        let dir = try write([
            "users.csv": "user_id,age\n1,30\nx,31\n3,old\n",
            "items.csv": "item_id,title,genres\n10,A,Drama\n",
            "events.jsonl": "{\"user_id\": 1, \"item_id\": 10, \"rating\": 5, \"timestamp\": 100}\nnot json\n{\"user_id\": 1, \"item_id\": 99, \"rating\": 5, \"timestamp\": 1}\n{\"user_id\": 1, \"item_id\": 10, \"rating\": \"five\", \"timestamp\": 1}\n",
        ])
        do {
            _ = try GenericFormat.load(users: "\(dir)/users.csv", items: "\(dir)/items.csv", events: "\(dir)/events.jsonl")
            Issue.record("accepted bad rows")
        } catch let failure as ImportFailure {
            let places = failure.errors.map { "\(URL(fileURLWithPath: $0.file).lastPathComponent):\($0.line)" }
            #expect(places == ["users.csv:3", "users.csv:4", "events.jsonl:2", "events.jsonl:3", "events.jsonl:4"], "\(failure)")
            #expect(failure.errors[3].reason.contains("unknown item_id 99"))
        }
    }
}
