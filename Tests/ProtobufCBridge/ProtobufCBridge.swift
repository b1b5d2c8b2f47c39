// The one file that touches protobuf-c's C structs and pointers: it converts
// between our Swift messages and protobuf-c's, so tests can use protobuf-c as
// an independent encoder/decoder and the benchmark can time it.
#if canImport(Glibc)
import Glibc
#endif
public import Messages
import UserRecoPBC

/// protobuf-c as an oracle: `pack` encodes a Swift message with protobuf-c,
/// `unpack*` decodes bytes with protobuf-c (nil where protobuf-c rejects them).
/// Strings must not contain NUL: protobuf-c keeps them as C strings.
public enum ProtobufC {
    public static func pack(_ message: Messages.User) -> [UInt8] {
        let arena = CArena()
        return arena.pack(arena.user(message))
    }

    public static func pack(_ message: Messages.Article) -> [UInt8] {
        let arena = CArena()
        return arena.pack(arena.article(message))
    }

    public static func pack(_ message: Messages.Param2) -> [UInt8] {
        let arena = CArena()
        return arena.pack(arena.param2(message))
    }

    public static func pack(_ message: Messages.Param1) -> [UInt8] {
        let arena = CArena()
        return arena.pack(arena.param1(message))
    }

    public static func pack(_ message: Messages.Track) -> [UInt8] {
        let arena = CArena()
        return arena.pack(arena.track(message))
    }

    public static func pack(_ message: Messages.Similar) -> [UInt8] {
        let arena = CArena()
        return arena.pack(arena.similar(message))
    }

    public static func unpackUser(_ bytes: [UInt8]) -> Messages.User? {
        unpack(bytes, user__unpack, user__free_unpacked) { swiftUser($0) }
    }

    public static func unpackArticle(_ bytes: [UInt8]) -> Messages.Article? {
        unpack(bytes, article__unpack, article__free_unpacked) { swiftArticle($0) }
    }

    public static func unpackParam2(_ bytes: [UInt8]) -> Messages.Param2? {
        unpack(bytes, param2__unpack, param2__free_unpacked) { swiftParam2($0) }
    }

    public static func unpackParam1(_ bytes: [UInt8]) -> Messages.Param1? {
        unpack(bytes, param1__unpack, param1__free_unpacked) { swiftParam1($0) }
    }

    public static func unpackTrack(_ bytes: [UInt8]) -> Messages.Track? {
        unpack(bytes, track__unpack, track__free_unpacked) { swiftTrack($0) }
    }

    public static func unpackSimilar(_ bytes: [UInt8]) -> Messages.Similar? {
        unpack(bytes, similar__unpack, similar__free_unpacked) { swiftSimilar($0) }
    }

    // MARK: C -> Swift

    private static func unpack<C, S>(
        _ bytes: [UInt8],
        _ unpack: (UnsafeMutablePointer<ProtobufCAllocator>?, Int, UnsafePointer<UInt8>?) -> UnsafeMutablePointer<C>?,
        _ free: (UnsafeMutablePointer<C>?, UnsafeMutablePointer<ProtobufCAllocator>?) -> Void,
        _ convert: (C) -> S
    ) -> S? {
        let message = bytes.withUnsafeBufferPointer { unpack(nil, $0.count, $0.baseAddress) }
        guard let message else { return nil }
        defer { free(message, nil) }
        return convert(message.pointee)
    }

    private static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    private static func swiftUser(_ c: UserRecoPBC.User) -> Messages.User {
        Messages.User(userID: string(c.user_id), channelID: c.channel_id, articleNum: c.article_num, timeStamp: c.time_stamp)
    }

    private static func swiftArticle(_ c: UserRecoPBC.Article) -> Messages.Article {
        Messages.Article(articleID: c.article_id, articleNum: c.article_num)
    }

    private static func swiftParam2(_ c: UserRecoPBC.Param2) -> Messages.Param2 {
        Messages.Param2(click: string(c.click), collect: string(c.collect), share: string(c.share), read: string(c.read))
    }

    private static func swiftParam1(_ c: UserRecoPBC.Param1) -> Messages.Param1 {
        Messages.Param1(articleID: c.article_id, params: c.params.map { swiftParam2($0.pointee) })
    }

    private static func swiftTrack(_ c: UserRecoPBC.Track) -> Messages.Track {
        let items = (0..<c.n_recommends).map { swiftParam1(c.recommends[$0]!.pointee) }
        return Messages.Track(exposure: string(c.exposure), recommends: items, timeStamp: c.time_stamp)
    }

    private static func swiftSimilar(_ c: UserRecoPBC.Similar) -> Messages.Similar {
        Messages.Similar(articleIDs: (0..<c.n_article_id).map { c.article_id[$0] })
    }
}

/// A protobuf-c `Track` built once, so the benchmark times protobuf-c's own
/// encode and decode rather than the conversion from Swift.
public final class ProtobufCTrackFixture {
    private let arena = CArena()
    private let message: UnsafeMutablePointer<UserRecoPBC.Track>

    public init(_ track: Messages.Track) {
        message = arena.track(track)
    }

    /// protobuf-c's full encode: size, allocate, pack, free. Returns the size.
    public func encode() -> Int {
        arena.packSize(message)
    }

    /// protobuf-c's full decode of `bytes`: unpack into fresh memory and free it.
    public static func decode(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let decoded = track__unpack(nil, buffer.count, buffer.baseAddress) else { return false }
            track__free_unpacked(decoded, nil)
            return true
        }
    }
}

/// The same for `User`.
public final class ProtobufCUserFixture {
    private let arena = CArena()
    private let message: UnsafeMutablePointer<UserRecoPBC.User>

    public init(_ user: Messages.User) {
        message = arena.user(user)
    }

    public func encode() -> Int {
        arena.packSize(message)
    }

    public static func decode(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let decoded = user__unpack(nil, buffer.count, buffer.baseAddress) else { return false }
            user__free_unpacked(decoded, nil)
            return true
        }
    }
}

// MARK: Swift -> C

/// Owns every allocation of the C messages it builds; frees them all at deinit.
private final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit {
        for block in blocks { free(block) }
    }

    private func allocate<T>(_ type: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
        let raw = malloc(MemoryLayout<T>.stride * max(count, 1))!
        blocks.append(raw)
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }

    private func string(_ value: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(value)!
        blocks.append(UnsafeMutableRawPointer(copy))
        return copy
    }

    func user(_ m: Messages.User) -> UnsafeMutablePointer<UserRecoPBC.User> {
        let c = allocate(UserRecoPBC.User.self)
        user__init(c)
        c.pointee.user_id = string(m.userID)
        c.pointee.channel_id = m.channelID
        c.pointee.article_num = m.articleNum
        c.pointee.time_stamp = m.timeStamp
        return c
    }

    func article(_ m: Messages.Article) -> UnsafeMutablePointer<UserRecoPBC.Article> {
        let c = allocate(UserRecoPBC.Article.self)
        article__init(c)
        c.pointee.article_id = m.articleID
        c.pointee.article_num = m.articleNum
        return c
    }

    func param2(_ m: Messages.Param2) -> UnsafeMutablePointer<UserRecoPBC.Param2> {
        let c = allocate(UserRecoPBC.Param2.self)
        param2__init(c)
        c.pointee.click = string(m.click)
        c.pointee.collect = string(m.collect)
        c.pointee.share = string(m.share)
        c.pointee.read = string(m.read)
        return c
    }

    func param1(_ m: Messages.Param1) -> UnsafeMutablePointer<UserRecoPBC.Param1> {
        let c = allocate(UserRecoPBC.Param1.self)
        param1__init(c)
        c.pointee.article_id = m.articleID
        c.pointee.params = m.params.map { param2($0) }
        return c
    }

    func track(_ m: Messages.Track) -> UnsafeMutablePointer<UserRecoPBC.Track> {
        let c = allocate(UserRecoPBC.Track.self)
        track__init(c)
        c.pointee.exposure = string(m.exposure)
        let items = allocate(UnsafeMutablePointer<UserRecoPBC.Param1>?.self, count: m.recommends.count)
        for (i, item) in m.recommends.enumerated() { items[i] = param1(item) }
        c.pointee.n_recommends = m.recommends.count
        c.pointee.recommends = m.recommends.isEmpty ? nil : items
        c.pointee.time_stamp = m.timeStamp
        return c
    }

    func similar(_ m: Messages.Similar) -> UnsafeMutablePointer<UserRecoPBC.Similar> {
        let c = allocate(UserRecoPBC.Similar.self)
        similar__init(c)
        let ids = allocate(Int64.self, count: m.articleIDs.count)
        for (i, id) in m.articleIDs.enumerated() { ids[i] = id }
        c.pointee.n_article_id = m.articleIDs.count
        c.pointee.article_id = m.articleIDs.isEmpty ? nil : ids
        return c
    }

    /// Packs any protobuf-c message into a new Swift array.
    func pack<C>(_ message: UnsafeMutablePointer<C>) -> [UInt8] {
        message.withMemoryRebound(to: ProtobufCMessage.self, capacity: 1) { base in
            let size = protobuf_c_message_get_packed_size(base)
            return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                count = protobuf_c_message_pack(base, buffer.baseAddress)
            }
        }
    }

    /// protobuf-c's idiomatic encode into a malloc'd buffer, freed at once.
    func packSize<C>(_ message: UnsafeMutablePointer<C>) -> Int {
        message.withMemoryRebound(to: ProtobufCMessage.self, capacity: 1) { base in
            let size = protobuf_c_message_get_packed_size(base)
            let buffer = malloc(max(size, 1))!.assumingMemoryBound(to: UInt8.self)
            defer { free(buffer) }
            return protobuf_c_message_pack(base, buffer)
        }
    }
}
