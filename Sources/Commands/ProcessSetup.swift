import Services

extension EquipWatch {
    /// Process-wide set-up, before any command runs and before any other thread allocates:
    /// malloc keeps one arena and maps large blocks on their own (`tuneMalloc`; docs/design.md,
    /// "100 k devices").
    public static func prepareProcess() {
        tuneMalloc()
    }
}
