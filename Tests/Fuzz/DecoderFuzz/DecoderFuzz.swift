// libFuzzer target for the proto3 decoder (`make fuzz`): every message type
// of the public and internal contracts decodes arbitrary bytes without
// crashing, and whatever decodes re-encodes to canonical bytes that decode
// and re-encode to themselves (bytes, not ==: a NaN score is not equal to
// itself). Built with -sanitize=fuzzer,address.
import Messages
import Wire

func roundTrip<M: ProtoMessage>(_ type: M.Type, _ bytes: [UInt8]) {
    guard let message = try? M(serializedBytes: bytes) else { return }
    let again = message.serializedBytes()
    guard let decoded = try? M(serializedBytes: again), decoded.serializedBytes() == again else {
        fatalError("\(M.self): its own encoding does not round-trip")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func decoderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    roundTrip(User.self, bytes)
    roundTrip(Article.self, bytes)
    roundTrip(Track.self, bytes)
    roundTrip(Similar.self, bytes)
    roundTrip(Param1.self, bytes)
    roundTrip(FeedQuery.self, bytes)
    roundTrip(ItemList.self, bytes)
    roundTrip(Action.self, bytes)
    return 0
}

// Only under `make fuzz` (-DFUZZING -parse-as-library): SwiftPM links an
// executable's entry point as `<Target>_main`; hand it to libFuzzer's driver.
// A plain build makes an executable that does nothing.
#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("DecoderFuzz_main")
public func decoderFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, decoderFuzz)
}
#endif
