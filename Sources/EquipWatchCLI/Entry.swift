import Commands

// The shipped executable: everything it does lives in the Commands library, where tests reach it.
@main enum Entry {
    static func main() async {
        EquipWatch.prepareProcess()
        await EquipWatch.main()
    }
}
