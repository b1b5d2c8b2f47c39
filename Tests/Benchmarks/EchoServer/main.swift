// The server side of `make bench` for the transport (and of the SIGTERM
// test): health plus an echo of any message, on the port given as the first
// argument, with the loop count second. Stops gracefully on SIGTERM.
import Foundation
import RPC
import Wire

/// `message Blob { bytes data = 1; }`
struct Blob: ProtoMessage {
    var data: [UInt8] = []
    var unknownFields = UnknownFields()

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): data = try reader.readBytes()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    func encodedSize() -> Int { WireSize.bytes(1, data) + unknownFields.bytes.count }

    func encode(to writer: inout ProtoWriter) {
        writer.writeBytes(1, data)
        writer.writeUnknown(unknownFields)
    }
}

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 0 : 0
let loops = arguments.count > 2 ? Int(arguments[2]) ?? 1 : 1
var router = RPCRouter()
router.unary("bench.Echo", "Echo") { (request: Blob, _) in request }
// For the SIGTERM test: a call that is still running when the signal comes.
router.unary("bench.Echo", "Slow") { (request: Blob, _) in
    FileHandle.standardOutput.write(Data("slow call started\n".utf8))
    try await Task.sleep(for: .milliseconds(300))
    return request
}
let server = RPCServer(configuration: .init(port: port, loops: loops), router: router)
try server.start()
FileHandle.standardOutput.write(Data("listening \(server.port)\n".utf8))
FileHandle.standardOutput.synchronizeFile()
// A synchronous main (the server runs on its own loop threads): valgrind
// cannot run Swift's async main, which parks the main thread in sigsuspend.
// Detached: a plain Task here would inherit the main actor, whose thread waits below.
let stopped = DispatchSemaphore(value: 0)
Task.detached {
    await server.runUntilTerminated()
    stopped.signal()
}
stopped.wait()
