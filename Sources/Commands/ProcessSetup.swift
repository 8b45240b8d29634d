import Pipeline

extension EquipWatch {
    /// Process-wide set-up, before any command runs and before any other thread allocates:
    /// malloc keeps 2 arenas (`limitMallocArenas`; docs/design.md, "100 k devices").
    public static func prepareProcess() {
        limitMallocArenas()
    }
}
