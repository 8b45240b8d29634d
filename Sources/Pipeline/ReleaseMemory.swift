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
    _ = glibcFunction("malloc_trim", as: (@convention(c) (Int) -> Int32).self)?(0)
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
    // M_ARENA_MAX (malloc.h) is -8.
    _ = glibcFunction("mallopt", as: (@convention(c) (Int32, Int32) -> Int32).self)?(-8, arenas)
    #endif
}

#if canImport(Glibc)
/// A glibc function that Swift's Glibc module does not declare (`malloc_trim`, `mallopt`),
/// looked up in the process at run time.
private func glibcFunction<F>(_ name: String, as type: F.Type) -> F? {
    dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: type) }
}
#endif
