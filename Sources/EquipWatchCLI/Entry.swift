import Commands
import Pipeline

// The shipped executable: everything it does lives in the Commands library, where tests reach it.
@main enum Entry {
    static func main() async {
        // Before any other thread allocates (docs/design.md, "100 k devices").
        limitMallocArenas()
        await EquipWatch.main()
    }
}
