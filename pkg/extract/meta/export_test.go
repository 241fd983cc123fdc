package meta

// SetTestHookWalked lets the external tests make Extract fail midway.
func SetTestHookWalked(f func()) { testHookWalked = f }
