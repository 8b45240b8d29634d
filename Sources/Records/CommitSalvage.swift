/// How every engine commits a batch it may refuse part of (`Store.commitSalvaging`): a batch
/// refused for a permanent reason (a constraint, a malformed row) is split in halves until the
/// refused rows are alone; everything else is committed. The store's own failures (transient,
/// damage) are thrown before anything is committed, and waited out (`whileTransient`) after.
public enum CommitSalvage {
    public typealias Refused = [(row: CommitBatch, error: StoreError)]

    public static func commit(_ batch: CommitBatch, whileTransient: (StoreError) -> Void,
                              using commit: (CommitBatch) throws(StoreError) -> Void) throws(StoreError) -> Refused {
        do {
            try commit(batch)
            return []
        } catch where error.isStoreFailure {
            throw error
        } catch {
            guard let (a, b) = batch.halves() else { return [(batch, error)] }
            return try salvage(a, whileTransient, commit) + salvage(b, whileTransient, commit)
        }
    }

    /// One part of a refused batch, committed or split until its refused rows are alone.
    private static func salvage(_ part: CommitBatch, _ whileTransient: (StoreError) -> Void,
                                _ commit: (CommitBatch) throws(StoreError) -> Void) throws(StoreError) -> Refused {
        while true {
            do {
                try commit(part)
                return []
            } catch where error.isFenced {
                throw error   // this node no longer owns the partition: nothing more is written
            } catch where error.isStoreFailure {
                whileTransient(error)
            } catch {
                guard let (a, b) = part.halves() else { return [(part, error)] }
                return try salvage(a, whileTransient, commit) + salvage(b, whileTransient, commit)
            }
        }
    }
}
