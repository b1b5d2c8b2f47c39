// The one file that touches libnghttp2: it owns the nghttp2_session, turns
// nghttp2's C callbacks into calls on a Swift delegate, and copies bytes in
// and out. nghttp2 does no I/O; the connection feeds it with `receive` and
// drains it with `send`, never from inside a callback.
import CNGHTTP2
import Glibc

/// What the HTTP/2 layer reports to a connection. Called on the loop thread,
/// from inside `receive` or `send`; implementations may submit frames (which
/// go out on the next `send`) but must not call `receive` or `send`.
protocol HTTP2SessionDelegate: AnyObject {
    func sessionBeginHeaders(stream: Int32)
    /// One header field; `size` is its name and value in bytes (for the
    /// header-list limit). Names the RPC layer never reads arrive as
    /// `.ignored` with an empty value: no strings are made for them.
    func sessionHeader(stream: Int32, name: HeaderName, value: String, size: Int)
    /// A complete header block (request/response headers or trailers).
    func sessionHeadersEnd(stream: Int32, endStream: Bool)
    func sessionData(stream: Int32, bytes: [UInt8])
    /// The peer closed its side of the stream with a DATA frame.
    func sessionEndStream(stream: Int32)
    func sessionStreamClosed(stream: Int32, errorCode: UInt32)
    func sessionGoaway(lastStreamID: Int32, errorCode: UInt32)
    func sessionPingReceived()
    /// Body bytes to send on `stream`, at most `maxLength`; nil defers until
    /// `resumeData`. `end` closes the body; `trailers` (if any) follow it.
    func sessionReadOutbound(stream: Int32, maxLength: Int) -> HTTP2Outbound?
}

/// A header's name as the RPC layer sees it: the fields it acts on, the
/// reserved ones neither side reads, or any other (custom metadata, or
/// reserved names the connections filter out themselves).
enum HeaderName: Equatable {
    case path, method, contentType, grpcEncoding, grpcTimeout
    case status, grpcStatus, grpcMessage
    /// `:scheme`, `:authority`, `te`, `user-agent`.
    case ignored
    case other(String)

    /// The names the RPC layer reads, and the reserved ones it skips,
    /// recognised from nghttp2's bytes without making a string.
    fileprivate static func known(_ name: UnsafeBufferPointer<UInt8>) -> HeaderName? {
        func matches(_ literal: StaticString) -> Bool { equal(name, literal) }
        switch name.count {
        case 2: return matches("te") ? .ignored : nil
        case 5: return matches(":path") ? .path : nil
        case 7: return matches(":method") ? .method : matches(":status") ? .status : matches(":scheme") ? .ignored : nil
        case 10: return matches(":authority") || matches("user-agent") ? .ignored : nil
        case 11: return matches("grpc-status") ? .grpcStatus : nil
        case 12: return matches("content-type") ? .contentType : matches("grpc-timeout") ? .grpcTimeout : matches("grpc-message") ? .grpcMessage : nil
        case 13: return matches("grpc-encoding") ? .grpcEncoding : nil
        default: return nil
        }
    }

    /// Whether a value is the content type of nearly every call.
    fileprivate static func isGRPCContentType(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        equal(value, "application/grpc")
    }

    /// nghttp2's bytes against a literal, without making a string.
    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount && (bytes.isEmpty || memcmp(bytes.baseAddress!, literal.utf8Start, bytes.count) == 0)
    }
}

struct HTTP2Outbound {
    var bytes: ArraySlice<UInt8>
    var end: Bool
    var trailers: HeaderBlock?
}

/// HTTP/2 error codes used by the RPC layer.
enum HTTP2ErrorCode: UInt32 {
    case noError = 0x0
    case protocolError = 0x1
    case internalError = 0x2
    case flowControlError = 0x3
    case settingsTimeout = 0x4
    case streamClosed = 0x5
    case frameSizeError = 0x6
    case refusedStream = 0x7
    case cancel = 0x8
    case compressionError = 0x9
    case connectError = 0xa
    case enhanceYourCalm = 0xb
    case inadequateSecurity = 0xc
    case http11Required = 0xd
}

struct HTTP2Settings: Sendable {
    var maxConcurrentStreams: UInt32
    var initialWindowSize: UInt32
    var connectionWindowSize: Int32
    var maxFrameSize: UInt32
    var maxHeaderListSize: UInt32
}

/// Owns one `nghttp2_session`. Lives on one loop thread; `deinit` frees the
/// session. The delegate is unowned: the connection owns this session.
final class HTTP2Session {
    private var session: OpaquePointer?
    unowned let delegate: any HTTP2SessionDelegate

    init(isServer: Bool, delegate: any HTTP2SessionDelegate, settings: HTTP2Settings) {
        self.delegate = delegate
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameRecv)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose)

        var option: OpaquePointer?
        nghttp2_option_new(&option)
        defer { nghttp2_option_del(option) }
        // gRPC clients send no HTTP/1 upgrade and no priority; keep nghttp2's
        // validation of header fields (invalid ones reset the stream).
        nghttp2_option_set_no_http_messaging(option, 0)
        // gRPC has no use for RFC 7540 priorities: no dependency tree to keep
        // per stream, and closed streams are forgotten at once (SETTINGS below).
        nghttp2_option_set_no_closed_streams(option, 1)

        let context = Unmanaged.passUnretained(self).toOpaque()
        if isServer {
            nghttp2_session_server_new2(&session, callbacks, context, option)
        } else {
            nghttp2_session_client_new2(&session, callbacks, context, option)
        }
        var entries = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: settings.maxConcurrentStreams),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: settings.initialWindowSize),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_FRAME_SIZE.rawValue), value: settings.maxFrameSize),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: settings.maxHeaderListSize),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES.rawValue), value: 1),
        ]
        if !isServer { entries.removeFirst() }
        nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &entries, entries.count)
        // The SETTINGS window covers streams only; the connection window is raised separately.
        nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, settings.connectionWindowSize)
    }

    deinit {
        nghttp2_session_del(session)
    }

    // MARK: Feeding and draining

    /// Feeds bytes read from the socket. False means the connection is broken
    /// (protocol error) and must be closed after a final `send`.
    func receive(_ buffer: [UInt8], count: Int) -> Bool {
        let consumed = buffer.withUnsafeBufferPointer { nghttp2_session_mem_recv(session, $0.baseAddress, count) }
        return consumed >= 0
    }

    /// Appends every frame nghttp2 has ready to `output`. False on a fatal error.
    func send(into output: inout [UInt8]) -> Bool {
        while true {
            var data: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(session, &data)
            if n < 0 { return false }
            if n == 0 { return true }
            output.append(contentsOf: UnsafeBufferPointer(start: data, count: n))
        }
    }

    var wantsRead: Bool { nghttp2_session_want_read(session) != 0 }
    var wantsWrite: Bool { nghttp2_session_want_write(session) != 0 }

    // MARK: Submitting frames

    /// Response headers; without a body they end the stream (Trailers-Only).
    func submitResponse(stream: Int32, headers: HeaderBlock, hasBody: Bool) {
        withNameValues(headers) { nva, count in
            if hasBody {
                var provider = nghttp2_data_provider(source: nghttp2_data_source(fd: 0), read_callback: readOutbound)
                nghttp2_submit_response(session, stream, nva, count, &provider)
            } else {
                nghttp2_submit_response(session, stream, nva, count, nil)
            }
        }
    }

    /// A request; returns the new stream id, or nil when the session refuses
    /// (no stream ids left, or GOAWAY received).
    func submitRequest(headers: HeaderBlock) -> Int32? {
        let id = withNameValues(headers) { nva, count in
            var provider = nghttp2_data_provider(source: nghttp2_data_source(fd: 0), read_callback: readOutbound)
            return nghttp2_submit_request(session, nil, nva, count, &provider, nil)
        }
        return id > 0 ? id : nil
    }

    func resumeData(stream: Int32) {
        nghttp2_session_resume_data(session, stream)
    }

    func submitReset(stream: Int32, code: HTTP2ErrorCode) {
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream, code.rawValue)
    }

    /// The first step of a graceful shutdown: tells the client to open no new
    /// streams while in-flight ones finish.
    func submitShutdownNotice() {
        nghttp2_submit_shutdown_notice(session)
    }

    /// GOAWAY naming the last stream this side processed.
    func submitGoaway(code: HTTP2ErrorCode, debug: String = "") {
        let last = nghttp2_session_get_last_proc_stream_id(session)
        var bytes = Array(debug.utf8)
        nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), last, code.rawValue, &bytes, bytes.count)
    }

    /// Submits trailers from inside the data provider, once the body has ended.
    fileprivate func submitTrailers(stream: Int32, _ trailers: HeaderBlock) {
        withNameValues(trailers) { nva, count in
            _ = nghttp2_submit_trailer(session, stream, nva, count)
        }
    }

    /// Points nghttp2 at the block's bytes for the length of `body`; nghttp2
    /// copies what it keeps. The nv array lives on the stack.
    private func withNameValues<R>(_ block: HeaderBlock, _ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        block.bytes.withUnsafeBufferPointer { buffer in
            withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(block.count, 1)) { nva in
                // nghttp2 takes non-const pointers but only reads through them
                // (nil only for a block without bytes, which has no fields).
                let base = UnsafeMutablePointer(mutating: buffer.baseAddress)
                for (i, field) in block.fields.enumerated() {
                    nva.initializeElement(at: i, to: nghttp2_nv(
                        name: base! + field.start, value: base! + field.start + field.nameLength,
                        namelen: field.nameLength, valuelen: field.valueLength,
                        flags: field.neverIndexed ? UInt8(NGHTTP2_NV_FLAG_NO_INDEX.rawValue) : UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
                }
                defer { nva.baseAddress!.deinitialize(count: block.count) }
                return body(nva.baseAddress!, block.count)
            }
        }
    }
}

// MARK: C callbacks. Each recovers the session from user_data (unretained:
// the session outlives every call into nghttp2 it makes).

private func owner(_ userData: UnsafeMutableRawPointer?) -> HTTP2Session? {
    guard let userData else { return nil }
    return Unmanaged<HTTP2Session>.fromOpaque(userData).takeUnretainedValue()
}

private let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, userData in
    guard let frame, let session = owner(userData) else { return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue }
    if frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue) {
        session.delegate.sessionBeginHeaders(stream: frame.pointee.hd.stream_id)
    }
    return 0
}

private let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, userData in
    guard let frame, let name, let value, let session = owner(userData) else { return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue }
    let nameBytes = UnsafeBufferPointer(start: name, count: nameLength)
    let header = HeaderName.known(nameBytes) ?? .other(String(decoding: nameBytes, as: UTF8.self))
    let valueBytes = UnsafeBufferPointer(start: value, count: valueLength)
    let valueString: String
    if header == .ignored {
        valueString = ""
    } else if header == .contentType && HeaderName.isGRPCContentType(valueBytes) {
        valueString = "application/grpc"  // a constant: no string built for the usual value
    } else {
        valueString = String(decoding: valueBytes, as: UTF8.self)
    }
    session.delegate.sessionHeader(stream: frame.pointee.hd.stream_id, name: header, value: valueString, size: nameLength + valueLength)
    return 0
}

private let onFrameRecv: nghttp2_on_frame_recv_callback = { _, frame, userData in
    guard let frame, let session = owner(userData) else { return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue }
    let header = frame.pointee.hd
    let endStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
    switch UInt32(header.type) {
    case NGHTTP2_HEADERS.rawValue:
        session.delegate.sessionHeadersEnd(stream: header.stream_id, endStream: endStream)
    case NGHTTP2_DATA.rawValue:
        if endStream { session.delegate.sessionEndStream(stream: header.stream_id) }
    case NGHTTP2_GOAWAY.rawValue:
        session.delegate.sessionGoaway(lastStreamID: frame.pointee.goaway.last_stream_id, errorCode: frame.pointee.goaway.error_code)
    case NGHTTP2_PING.rawValue:
        if header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0 { session.delegate.sessionPingReceived() }
    default:
        break
    }
    return 0
}

private let onDataChunk: nghttp2_on_data_chunk_recv_callback = { _, _, streamID, data, length, userData in
    guard let session = owner(userData) else { return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue }
    let bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: length)) } ?? []
    session.delegate.sessionData(stream: streamID, bytes: bytes)
    return 0
}

private let onStreamClose: nghttp2_on_stream_close_callback = { _, streamID, errorCode, userData in
    guard let session = owner(userData) else { return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue }
    session.delegate.sessionStreamClosed(stream: streamID, errorCode: errorCode)
    return 0
}

private let readOutbound: nghttp2_data_source_read_callback = { _, streamID, buffer, length, flags, _, userData in
    guard let buffer, let flags, let session = owner(userData) else { return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue) }
    guard let chunk = session.delegate.sessionReadOutbound(stream: streamID, maxLength: length) else {
        return Int(NGHTTP2_ERR_DEFERRED.rawValue)
    }
    let count = min(chunk.bytes.count, length)
    chunk.bytes.withUnsafeBufferPointer { source in
        if let base = source.baseAddress, count > 0 { buffer.update(from: base, count: count) }
    }
    if chunk.end {
        if let trailers = chunk.trailers {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
            session.submitTrailers(stream: streamID, trailers)
        } else {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
        }
    }
    return count
}
