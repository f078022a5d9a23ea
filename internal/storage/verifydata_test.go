package storage

import (
	"testing"
)

// A save of the measures that commits while a verification reads them
// (forgetData between the read and the cache) must not leave that read's
// older data cached for catalogTTL: the next verification reads again.
func TestVerifyDataForgetDuringRead(t *testing.T) {
	db, _ := openFresh(t, "sqlite:"+t.TempDir()+"/credit.db")
	ctx := hookSys()
	if _, err := db.verifyData(ctx); err != nil {
		t.Fatal(err)
	}
	db.forgetData()
	saved := false
	setTestHook(t, &verifyDataRead, func(db *DB) {
		if !saved {
			saved = true
			db.forgetData() // the save commits after this read began
		}
	})
	if _, err := db.verifyData(ctx); err != nil {
		t.Fatal(err)
	}
	if !saved {
		t.Fatal("the hook did not run: verifyData served the cache instead of reading")
	}
	if c := stateOf(db).data.Load(); c != nil && c.d != nil {
		t.Error("measures read before a save stay cached after it")
	}
	// Without a save in between, a read is cached.
	if _, err := db.verifyData(ctx); err != nil {
		t.Fatal(err)
	}
	if c := stateOf(db).data.Load(); c == nil || c.d == nil {
		t.Error("measures not cached after a read with no save in between")
	}
}
