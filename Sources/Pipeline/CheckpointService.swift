import Foundation
import Logging
import Records
import Services
import Storage
import Synchronization

/// Runs the store's WAL checkpoints on a thread of their own while the pipeline runs, so the
/// worker's commits only append to the WAL (see `Checkpointer`). If the checkpoint connection
/// cannot be opened the writer keeps SQLite's automatic checkpoints: slower, nothing lost.
///
/// When a checkpoint finds the WAL past `store.max_wal_mb`, it raises a flag the worker takes
/// after its next commit (`takeRestartRequest`): the worker then checkpoints between two commits,
/// and its next commit starts the WAL over. That bounds the WAL while a backlog drains.
final class CheckpointService: Sendable {
    private let store: any Store
    private let thread: PeriodicThread
    private let logger: Logger
    private let walLimitBytes: Int
    private let checkpointer = Mutex<(any StoreCheckpointer)?>(nil)
    private let restartWanted = Atomic<Bool>(false)
    private let limitFrames = Atomic<Int>(.max)
    /// The WAL file size past which the worker checkpoints (`walPastLimit`).
    private let walAllowance: Atomic<Int>

    private let folder: StoreFolder?

    init(store: any Store, everyMs: Int64, walLimitBytes: Int, folder: StoreFolder? = nil, logger: Logger) {
        (self.folder, self.store, self.logger, self.walLimitBytes) = (folder, store, logger, walLimitBytes)
        walAllowance = Atomic(walLimitBytes)
        thread = PeriodicThread(name: "checkpoint", everyMs: max(10, everyMs))
    }

    /// True once after a checkpoint found the WAL past its limit: the writer should checkpoint
    /// (`Store.checkpointOnWriter`) before its next transaction. One atomic load when not.
    func takeRestartRequest() -> Bool {
        restartWanted.load(ordering: .relaxed) && restartWanted.exchange(false, ordering: .relaxed)
    }

    /// The WAL file has grown past the limit (one `stat`): the worker asks after each commit, so
    /// the bound holds however late this service's thread gets the processor (it may be starved
    /// for a while on a loaded machine while commits keep coming).
    ///
    /// The file's size is a high-water mark: after the WAL starts over it keeps its length until
    /// SQLite cuts it back, and readers that never let go can keep it long. So once a checkpoint
    /// found the WAL itself short (`noteWALShort`), only growth beyond the size the file had then
    /// asks again; a file that shrank brings the allowance back down with it.
    func walPastLimit() -> Bool {
        guard walLimitFrames != .max else { return false }
        let size = store.walFileBytes
        var allowance = walAllowance.load(ordering: .relaxed)
        if size < allowance {
            allowance = max(walLimitBytes, size)
            walAllowance.store(allowance, ordering: .relaxed)
        }
        return size > allowance
    }

    /// A checkpoint between commits found the WAL itself within the limit: the file's present
    /// size is no reason to checkpoint again.
    func noteWALShort() {
        walAllowance.store(max(walLimitBytes, store.walFileBytes), ordering: .relaxed)
    }

    /// The limit in WAL frames (pages); `Int.max` until the checkpoint connection is open.
    var walLimitFrames: Int { limitFrames.load(ordering: .relaxed) }

    func start() {
        do {
            guard let c = try store.openCheckpointer(walLimitBytes: walLimitBytes) else { return }
            checkpointer.withLock { $0 = c }
            limitFrames.store(c.walLimitFrames, ordering: .relaxed)
        } catch {
            logger.warning("WAL checkpoints stay on the writer", metadata: ["error": "\(error)"])
            return
        }
        thread.start { [self] in
            do {
                if let outcome = try checkpointer.withLock({ try $0?.checkpoint() }), outcome.isOverLimit {
                    restartWanted.store(true, ordering: .relaxed)
                }
            } catch let error as StoreError where error.isBusy {
                // The worker is checkpointing between two commits right now: nothing is wrong.
                logger.debug("WAL checkpoint met the writer's; the next round tries again")
            } catch {
                logger.warning("WAL checkpoint failed; the next round tries again", metadata: ["error": "\(error)"])
            }
            folder?.noteCommitted(store)
        }
    }

    func stop() {
        thread.stop()
        checkpointer.withLock { c in
            c?.close()
            c = nil
        }
    }
}
