import Logging
import CoreMetrics
import Records
import Services
import Storage

/// The worker's part in keeping the WAL bounded (`store.max_wal_mb`, `CheckpointService`).
extension Worker {
    /// The WAL is past `store.max_wal_mb`: checkpoint on this connection, between two commits, so
    /// the next commit starts the WAL over. Passive checkpoints on their own thread never get
    /// there while commits keep coming, and a draining backlog would grow the WAL without end.
    /// The checkpoint thread has already copied most of the WAL; this copies the rest.
    ///
    /// Returns true while the WAL is still past the limit: the WAL starts over only at the next
    /// commit, and not while a reader is inside it, so the worker checks again after each commit
    /// (a checkpoint with nothing to copy costs next to nothing) until it finds the WAL short.
    func checkpointBetweenCommits(limitFrames: Int) -> Bool {
        let started = monotonicNanos()
        do {
            let o = try store.checkpointOnWriter(limitFrames: limitFrames)
            writerCheckpoints.increment()
            guard o.isOverLimit else {
                checkpoints?.noteWALShort()
                return false
            }
            logger.debug("WAL checkpointed between commits, to start over", metadata: [
                "frames": "\(o.walFrames)", "copied": "\(o.checkpointed)",
                "ms": "\((monotonicNanos() - started) / 1_000_000)"])
            return true
        } catch {
            // Busy: the checkpoint thread is copying right now. Anything else: say so, try again.
            if !error.isBusy {
                logger.warning("WAL checkpoint between commits failed; trying again after the next commit", metadata: ["error": "\(error)"])
            }
            return true
        }
    }
}
