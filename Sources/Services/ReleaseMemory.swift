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

/// Sets glibc's malloc up for a long-running pipeline; call before any other thread allocates.
///
/// - **One arena** (unless `MALLOC_ARENA_MAX` is set, which wins). glibc gives threads up to 8
///   arenas per core, and free memory in one arena serves only the threads that use it. The state
///   a device keeps for life (rules, planner) is made when it first speaks, among transient
///   buffers, so a fleet's first burst leaves small holes that only the threads of the same arena
///   can fill again. At 100 k devices (docs/design.md, "100 k devices"), after
///   every device had spoken: 2 arenas 370–377 MB, with 75 MB free but stranded in the second
///   (`malloc_stats`: 150 MB taken from the system for 75 MB in use); 1 arena 307 MB. The bench's
///   drains did not move beyond their spread.
/// - **A fixed mmap threshold of `mmapThreshold` bytes** (unless `MALLOC_MMAP_THRESHOLD_` is
///   set). glibc raises the threshold each time a mapped block is freed, up to 32 MiB, so after
///   the first network batch (about 220 KiB reserved) was freed, later batches, arena blocks and
///   commit buffers came from the heap, between the state that lives as long as a device. Fixed,
///   those transient buffers are mapped and unmapped on their own.
public func tuneMalloc(arenas: Int32 = 1, mmapThreshold: Int32 = 64 * 1024) {
    #if canImport(Glibc)
    guard let mallopt = glibcFunction("mallopt", as: (@convention(c) (Int32, Int32) -> Int32).self) else { return }
    // M_ARENA_MAX and M_MMAP_THRESHOLD (malloc.h) are -8 and -3.
    if getenv("MALLOC_ARENA_MAX") == nil { _ = mallopt(-8, arenas) }
    if getenv("MALLOC_MMAP_THRESHOLD_") == nil { _ = mallopt(-3, mmapThreshold) }
    #endif
}

#if canImport(Glibc)
/// A glibc function that Swift's Glibc module does not declare (`malloc_trim`, `mallopt`),
/// looked up in the process at run time.
private func glibcFunction<F>(_ name: String, as type: F.Type) -> F? {
    dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: type) }
}
#endif
