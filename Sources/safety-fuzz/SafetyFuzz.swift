import SafetyIO

#if FUZZING
#if canImport(Glibc)
import Glibc
#endif

/// The target, chosen once from FUZZ_TARGET (csv, xml, archive, zip).
nonisolated(unsafe) let target: String = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? "csv"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTargets.run(target, Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
/// Built normally, this only explains itself; `make fuzz` builds it with libFuzzer.
@main
struct SafetyFuzz {
    static func main() {
        print("safety-fuzz: a libFuzzer harness (targets: \(FuzzTargets.names.joined(separator: ", "))); run `make fuzz`.")
    }
}
#endif
