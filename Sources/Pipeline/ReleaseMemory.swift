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
