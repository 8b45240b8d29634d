import Commands

// The shipped executable: everything it does lives in the Commands library, where tests reach it.
@main extension EquipWatch {}
