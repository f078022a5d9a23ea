package storage

import (
	"context"
	"encoding/json"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
)

var _ catalog.Service = (*DB)(nil)

// Catalog returns the catalog in force: the embedded default, whose version
// Migrate records in catalog_versions.
func (db *DB) Catalog(ctx context.Context) (*catalog.Catalog, error) {
	db.catalogOnce.Do(func() { db.catalog, db.catalogErr = catalog.Default() })
	return db.catalog, db.catalogErr
}

// FindClass returns ENOTFOUND for an unknown class code.
func (db *DB) FindClass(ctx context.Context, code string) (*catalog.Class, error) {
	c, err := db.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	cl, ok := c.Class(code)
	if !ok {
		return nil, credit.Errorf(credit.ENOTFOUND, "信息类“%s”不存在", credit.Clip(code, 32))
	}
	return cl, nil
}

// loadCatalog records the embedded catalog version in the database when it
// is new, so that every stored record can be traced to its catalog.
func (db *DB) loadCatalog(ctx context.Context) error {
	c, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM catalog_versions WHERE version = $1`, c.Version).Scan(&n); err != nil || n > 0 {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO catalog_versions (version, body, loaded_at) VALUES ($1, $2, $3)`, c.Version, string(body), tx.now)
		if err == nil {
			db.newCatalog.Store(true)
		}
		return err
	})
}

// LoadedNewCatalog reports whether Migrate, in this process, loaded the
// embedded catalog's version into the database (a new database, or an
// upgrade to a build with a newer catalog): when what the catalog changed
// may need the operator (RegistrationsFromOthers).
func (db *DB) LoadedNewCatalog() bool { return db.newCatalog.Load() }
