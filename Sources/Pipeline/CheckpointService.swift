import Foundation
import Logging
import Storage
import Synchronization

/// Runs the store's WAL checkpoints on a thread of their own while the pipeline runs, so the
/// worker's commits only append to the WAL (see `Checkpointer`). If the checkpoint connection
/// cannot be opened the writer keeps SQLite's automatic checkpoints: slower, nothing lost.
final class CheckpointService: Sendable {
    private let store: Store
    private let thread: PeriodicThread
    private let logger: Logger
    private let checkpointer = Mutex<Checkpointer?>(nil)

    init(store: Store, everyMs: Int64, logger: Logger) {
        self.store = store
        self.logger = logger
        thread = PeriodicThread(name: "checkpoint", everyMs: max(10, everyMs))
    }

    func start() {
        do {
            guard let c = try Checkpointer(store: store) else { return }
            checkpointer.withLock { $0 = c }
        } catch {
            logger.warning("WAL checkpoints stay on the writer", metadata: ["error": "\(error)"])
            return
        }
        thread.start { [self] in
            do { _ = try checkpointer.withLock { try $0?.checkpoint() } } catch {
                logger.warning("WAL checkpoint failed; the next round tries again", metadata: ["error": "\(error)"])
            }
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
