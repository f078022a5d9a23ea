package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

var _ access.DepartmentService = (*DB)(nil)

// UpsertDepartment creates the department or updates its name, region and
// kind. It is idempotent by code.
func (db *DB) UpsertDepartment(ctx context.Context, d *access.Department) error {
	d.Code = subject.Normalize(d.Code)
	d.Name = subject.NormalizeText(d.Name)
	if err := d.Validate(); err != nil {
		return err
	}
	legacy, err := db.legacyChecker(ctx)
	if err != nil {
		return err
	}
	if p := subject.CheckUSCC(d.Code, legacy); p != nil {
		return credit.Invalid("部门统一社会信用代码无效："+p.Message, credit.Problem{Field: "code", Code: p.Code, Message: p.Message})
	}
	if !access.Can(credit.ActorFromContext(ctx), access.ActionManageDepartments, access.Target{RegionCode: d.RegionCode}) {
		return credit.Errorf(credit.EFORBIDDEN, "无权登记或修改部门“%s”", d.Name)
	}
	if _, ok := subject.LookupRegion(d.RegionCode); !ok {
		return credit.Invalid("行政区划代码“"+d.RegionCode+"”不在吉林省行政区划表中",
			credit.Problem{Field: "region", Code: "bad_region", Message: "行政区划代码“" + d.RegionCode + "”不在吉林省行政区划表中"})
	}
	actor := credit.ActorFromContext(ctx)
	return db.transact(ctx, func(tx *Tx) error {
		// The row is locked (PostgreSQL) so that the old values the
		// audit entry records, and the region the actor's right to change
		// it is checked against, are the ones this update replaces.
		var id int64
		var old departmentState
		var createdAt time.Time
		lock := `SELECT id, name, region_code, kind, created_at FROM departments WHERE code = $1`
		if db.dialect == Postgres {
			lock += ` FOR UPDATE`
		}
		created := false
		err := tx.queryRow(ctx, lock, d.Code).Scan(&id, &old.Name, &old.RegionCode, &old.Kind, &createdAt)
		if errors.Is(err, sql.ErrNoRows) {
			// Registered by someone else at the same moment: the insert
			// does nothing, and the row is theirs to read and update.
			err = tx.queryRow(ctx, `INSERT INTO departments (code, name, region_code, kind, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING RETURNING id`, d.Code, d.Name, d.RegionCode, d.Kind, tx.now, tx.now).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				err = tx.queryRow(ctx, lock, d.Code).Scan(&id, &old.Name, &old.RegionCode, &old.Kind, &createdAt)
			} else {
				created = err == nil
			}
		}
		switch {
		case created:
			d.ID, d.CreatedAt = credit.DepartmentID(id), tx.now
			if err := tx.audit(ctx, "department.create", "department", d.Code, departmentDetail(d, nil)); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			// A region administrator changes only a department of the
			// region, and so cannot move one in from outside it.
			if !access.Can(actor, access.ActionManageDepartments, access.Target{RegionCode: old.RegionCode}) {
				return credit.Errorf(credit.EFORBIDDEN, "无权修改部门“%s”：该部门不属于您管理的行政区划", old.Name)
			}
			if _, err := tx.exec(ctx, `UPDATE departments SET name = $1, region_code = $2, kind = $3, updated_at = $4 WHERE id = $5`,
				d.Name, d.RegionCode, d.Kind, tx.now, id); err != nil {
				return err
			}
			// (The caller's department carries no creation time.)
			d.ID, d.CreatedAt = credit.DepartmentID(id), createdAt
			if err := tx.audit(ctx, "department.update", "department", d.Code, departmentDetail(d, &old)); err != nil {
				return err
			}
		}
		return nil
	})
}

// departmentDetail is the audit detail of a department's creation or
// update: the department as written (the keys access.Department always
// had, with kind present even when empty) and, for an update, the values
// it replaced under "old". verifyState replays them.
func departmentDetail(d *access.Department, old *departmentState) map[string]any {
	m := map[string]any{"id": d.ID, "code": d.Code, "name": d.Name, "region_code": d.RegionCode, "kind": d.Kind, "created_at": d.CreatedAt}
	if old != nil {
		m["old"] = old
	}
	return m
}

// departmentCode returns the code of department id, for audit details.
func (tx *Tx) departmentCode(ctx context.Context, id credit.DepartmentID) (string, error) {
	var code string
	if err := tx.queryRow(ctx, `SELECT code FROM departments WHERE id = $1`, int64(id)).Scan(&code); err != nil {
		return "", fmt.Errorf("storage: code of department %d: %w", id, err)
	}
	return code, nil
}

const departmentColumns = `id, code, name, region_code, kind, created_at`

func scanDepartment(s interface{ Scan(...any) error }) (*access.Department, error) {
	var d access.Department
	var id int64
	if err := s.Scan(&id, &d.Code, &d.Name, &d.RegionCode, &d.Kind, &d.CreatedAt); err != nil {
		return nil, err
	}
	d.ID = credit.DepartmentID(id)
	return &d, nil
}

// FindDepartmentByCode returns ENOTFOUND when no department has code.
func (db *DB) FindDepartmentByCode(ctx context.Context, code string) (*access.Department, error) {
	code = subject.Normalize(code)
	d, err := scanDepartment(db.queryRow(ctx, `SELECT `+departmentColumns+` FROM departments WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credit.Errorf(credit.ENOTFOUND, "部门“%s”不存在", credit.Clip(code, 32))
	}
	return d, err
}

// FindDepartmentByID returns ENOTFOUND when missing.
func (db *DB) FindDepartmentByID(ctx context.Context, id credit.DepartmentID) (*access.Department, error) {
	d, err := scanDepartment(db.queryRow(ctx, `SELECT `+departmentColumns+` FROM departments WHERE id = $1`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credit.Errorf(credit.ENOTFOUND, "部门不存在")
	}
	return d, err
}

// FindDepartments lists departments ordered by region and name.
func (db *DB) FindDepartments(ctx context.Context, offset, limit int) ([]*access.Department, int, error) {
	if limit <= 0 {
		limit = 1000
	}
	var out []*access.Department
	var total int
	err := scanAll(db.rows(ctx, `SELECT `+departmentColumns+`, COUNT(*) OVER() FROM departments ORDER BY region_code, name LIMIT $1 OFFSET $2`, limit, offset),
		func(rows *sql.Rows) error {
			var d access.Department
			var id int64
			if err := rows.Scan(&id, &d.Code, &d.Name, &d.RegionCode, &d.Kind, &d.CreatedAt, &total); err != nil {
				return err
			}
			d.ID = credit.DepartmentID(id)
			out = append(out, &d)
			return nil
		})
	return out, total, err
}

// CreateAPIKey creates a key for the department with access.DefaultKeyLimit
// and returns its secret; only its hash is stored. No scopes means
// access.DefaultScopes.
func (db *DB) CreateAPIKey(ctx context.Context, departmentID credit.DepartmentID, scopes []string) (string, *access.APIKey, error) {
	return db.CreateAPIKeyWithLimit(ctx, departmentID, scopes, access.DefaultKeyLimit)
}

// CreateAPIKeyWithLimit creates a key with the given scopes and rate limit
// (a zero Rate means unlimited) and returns its secret; only its hash is
// stored. No scopes means access.DefaultScopes; an unknown scope or a bad
// limit is EINVALID.
func (db *DB) CreateAPIKeyWithLimit(ctx context.Context, departmentID credit.DepartmentID, scopes []string, limit credit.RateLimit) (string, *access.APIKey, error) {
	scopes, err := access.ParseScopes(scopes)
	if err != nil {
		return "", nil, err
	}
	if len(scopes) == 0 {
		scopes = append([]string(nil), access.DefaultScopes...)
	}
	if err := access.ValidateKeyLimit(limit); err != nil {
		return "", nil, err
	}
	if limit.Unlimited() {
		limit = credit.RateLimit{}
	}
	dep, err := db.FindDepartmentByID(ctx, departmentID)
	if err != nil {
		return "", nil, err
	}
	if !access.Can(credit.ActorFromContext(ctx), access.ActionManageDepartments, access.Target{DepartmentID: dep.ID, RegionCode: dep.RegionCode}) {
		return "", nil, credit.Errorf(credit.EFORBIDDEN, "无权为“%s”生成API密钥", dep.Name)
	}
	secret := access.NewKeySecret()
	k := &access.APIKey{DepartmentID: departmentID, Prefix: secret[:len(access.KeyPrefix)+6], Scopes: scopes, Limit: limit}
	err = db.transact(ctx, func(tx *Tx) error {
		k.CreatedAt = tx.now
		err := tx.queryRow(ctx, `INSERT INTO api_keys (department_id, prefix, hash, scopes, rate_limit, rate_burst, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			int64(departmentID), k.Prefix, access.HashKey(secret), strings.Join(scopes, ","), limit.Rate, limit.Burst, tx.now).Scan(&k.ID)
		if err != nil {
			return err
		}
		// The key is the object, by id, as in api_key.revoke. The
		// digest of the stored hash (itself the SHA-256 of a random
		// secret) lets verifyState find a hash replaced by one whose
		// secret someone knows, and tells nothing about the secret.
		return tx.audit(ctx, "api_key.create", "api_key", itoa(k.ID),
			map[string]any{"prefix": k.Prefix, "scopes": scopes, "rate": limit.Rate, "burst": limit.Burst,
				"key": k.ID, "department": dep.Code, "department_id": int64(departmentID), "hash_sha256": digestHex(access.HashKey(secret))})
	})
	if err != nil {
		return "", nil, err
	}
	return secret, k, nil
}

// sqlAuthenticate resolves a key hash. It runs on every API request, so it
// is prepared once (preparedRow) and reads everything the request needs:
// the department, the key's scopes and its rate limit.
const sqlAuthenticate = `SELECT d.id, d.code, d.name, d.region_code, k.id, k.scopes, k.rate_limit, k.rate_burst, k.revoked_at
	FROM api_keys k JOIN departments d ON d.id = k.department_id WHERE k.hash = $1`

// Authenticate resolves an API key secret to the department actor, with the
// key's ID, scopes and rate limit.
func (db *DB) Authenticate(ctx context.Context, secret string) (credit.Actor, error) {
	var (
		depID   int64
		code    string
		name    string
		region  string
		keyID   int64
		scopes  string
		limit   credit.RateLimit
		revoked sql.NullTime
	)
	hash := access.HashKey(secret)
	keys := &stateOf(db).keys
	if c, ok := keys.Load(string(hash)); ok {
		if c := c.(*cachedKey); db.Now().Before(c.until) {
			return c.actor, nil
		}
	}
	err := db.preparedRow(ctx, sqlAuthenticate, hash).
		Scan(&depID, &code, &name, &region, &keyID, &scopes, &limit.Rate, &limit.Burst, &revoked)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && revoked.Valid) {
		return credit.Public, credit.Errorf(credit.EUNAUTHORIZED, "API密钥无效或已吊销")
	}
	if err != nil {
		return credit.Public, err
	}
	a := credit.Actor{Role: credit.RoleDepartment, DepartmentID: credit.DepartmentID(depID), DepartmentCode: code,
		Name: name, RegionCode: region, Channel: "api", KeyID: keyID, Scopes: splitScopes(scopes), Limit: limit}
	keys.Store(string(hash), &cachedKey{actor: a, until: db.Now().Add(keyTTL)})
	return a, nil
}

// keyTTL is how long a process trusts a key it has authenticated: a key
// revoked in this process stops at once (RevokeAPIKey forgets the cache),
// one revoked by another process within keyTTL. Every API request
// authenticates, so this saves a query per request.
const keyTTL = 2 * time.Second

// cachedKey is an authenticated key in verifyState.keys (by key hash).
type cachedKey struct {
	actor credit.Actor
	until time.Time
}

// splitScopes reads the stored, comma-separated scopes of a key.
func splitScopes(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// AddLegacyCode whitelists a legacy USCC that fails the check characters.
func (db *DB) AddLegacyCode(ctx context.Context, code, note string) error {
	code = subject.Normalize(code)
	if len(code) != 18 {
		return credit.Errorf(credit.EINVALID, "统一社会信用代码应为18位，实际为%d位", len([]rune(code)))
	}
	return db.transact(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO legacy_codes (code, note, created_at) VALUES ($1, $2, $3) ON CONFLICT (code) DO UPDATE SET note = excluded.note`,
			code, note, tx.now); err != nil {
			return err
		}
		return tx.audit(ctx, "legacy_code.add", "uscc", code, map[string]string{"note": note})
	})
}

// legacyChecker returns the whitelist of legacy codes as a lookup function.
// The list is small (pilot-era codes) and read once per batch.
func (db *DB) legacyChecker(ctx context.Context) (func(string) bool, error) {
	set := map[string]bool{}
	err := scanAll(db.rows(ctx, `SELECT code FROM legacy_codes`), func(rows *sql.Rows) error {
		var c string
		if err := rows.Scan(&c); err != nil {
			return err
		}
		set[c] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func(c string) bool { return set[c] }, nil
}
