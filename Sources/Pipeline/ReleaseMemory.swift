#if canImport(Glibc)
import Glibc
#endif

/// Hands memory freed inside the process back to the system (glibc keeps freed heap for reuse,
/// so a start-up's transient peak — a large fleet file parsed, every device graded — would stay
/// in the resident size for the life of the process). Called after such phases, never per
/// message. glibc's `malloc_trim` is looked up at run time (it is not in Swift's Glibc module);
/// elsewhere this does nothing.
public func releaseFreedMemory() {
    #if canImport(Glibc)
    typealias Trim = @convention(c) (Int) -> Int32
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }
    #endif
}

/// Limits glibc's malloc to `arenas` arenas (unless `MALLOC_ARENA_MAX` is set, which wins).
/// By default glibc gives threads up to 8 arenas per core, and memory freed in one arena is
/// kept there: with the network thread allocating message batches, the worker freeing them and
/// the risk, compliance and HTTP threads beside them, a 100 k-device pipeline held about 54 MB
/// more after every device had spoken (380 against 326 MB, docs/design.md) with no measurable
/// gain in throughput. Call before the pipeline's threads start.
public func limitMallocArenas(_ arenas: Int32 = 2) {
    #if canImport(Glibc)
    guard getenv("MALLOC_ARENA_MAX") == nil else { return }
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    // M_ARENA_MAX (malloc.h); `mallopt` is not in Swift's Glibc module either.
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
        _ = unsafeBitCast(symbol, to: Mallopt.self)(-8, arenas)
    }
    #endif
}
