package storage

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"jlcredit/internal/credit"
	"jlcredit/internal/ledger"
)

// LedgerOrigin is the origin line of the platform's ledger checkpoints.
const LedgerOrigin = ledger.DefaultOrigin

// Secrets are the platform's keys: AES-256-GCM for what is stored sealed
// (citizen IDs, raw batch chunks, rejected rows, webhook secrets), an HMAC
// key for the citizen-ID lookup hash, and the Ed25519 note key that signs
// ledger checkpoints.
type Secrets struct {
	IDKey      []byte `json:"id_key"`
	IDHashKey  []byte `json:"id_hash_key"`
	LedgerSKey string `json:"ledger_skey"`
	LedgerVKey string `json:"ledger_vkey"`
	signer     *ledger.Signer
	// source names where the keys come from in messages: the key file
	// (by its absolute path) or the process (EphemeralKeys).
	source string
}

// NewSecrets returns fresh random secrets.
func NewSecrets() (*Secrets, error) {
	s := &Secrets{IDKey: make([]byte, 32), IDHashKey: make([]byte, 32)}
	if _, err := rand.Read(s.IDKey); err != nil {
		return nil, err
	}
	if _, err := rand.Read(s.IDHashKey); err != nil {
		return nil, err
	}
	var err error
	s.LedgerSKey, s.LedgerVKey, err = ledger.GenerateKey(LedgerOrigin)
	if err != nil {
		return nil, err
	}
	return s, s.init()
}

func (s *Secrets) init() error {
	// The messages say what is wrong; LoadSecrets names the file.
	if len(s.IDKey) != 32 || len(s.IDHashKey) != 32 {
		return credit.Errorf(credit.EINVALID, "身份证号加密密钥（id_key）和查询哈希密钥（id_hash_key）应各为32字节")
	}
	var err error
	s.signer, err = ledger.NewSigner(s.LedgerSKey)
	if err != nil {
		return credit.Errorf(credit.EINVALID, "存证签名密钥（ledger_skey）无法解析")
	}
	if s.LedgerVKey != s.signer.VerifierKey() {
		return credit.Errorf(credit.EINVALID, "存证签名公钥（ledger_vkey）与签名私钥不对应")
	}
	return nil
}

// LoadSecrets reads the key file at path. A missing file is an error that
// wraps fs.ErrNotExist.
func LoadSecrets(path string) (*Secrets, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fileError(err, false, "无法读取"+keyFileSource(path))
	}
	var s Secrets
	if err := json.Unmarshal(b, &s); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return nil, credit.Explained(credit.Errorf(credit.EINVALID, "%s的内容有误：字段%s的类型不对，应为credit migrate生成的密钥文件", keyFileSource(path), typ.Field), err)
		}
		return nil, credit.Explained(credit.Errorf(credit.EINVALID, "%s不是有效的JSON，应为credit migrate生成的密钥文件", keyFileSource(path)), err)
	}
	if err := s.init(); err != nil {
		return nil, credit.Errorf(credit.EINVALID, "%s无效：%s", keyFileSource(path), credit.ErrorMessage(err))
	}
	s.source = keyFileSource(path)
	return &s, nil
}

// createSecretsFile writes fresh secrets to a new key file at path (mode
// 0600). The file appears whole or not at all: should another process
// create it first, its keys are returned instead, so that two processes
// starting on one new database agree.
func createSecretsFile(path string) (*Secrets, error) {
	s, err := NewSecrets()
	if err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fileError(err, true, "无法创建密钥文件的目录“"+absPath(dir)+"”")
	}
	tmp, err := os.CreateTemp(dir, ".credit-key-*")
	if err != nil {
		return nil, fileError(err, true, "无法在目录“"+absPath(dir)+"”中创建"+keyFileSource(path))
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if e := tmp.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Link(tmp.Name(), path) // fails if path exists, unlike a rename
		if err != nil && !errors.Is(err, fs.ErrExist) {
			// A file system without hard links: created exclusively.
			err = writeNewFile(path, b)
		}
	}
	os.Remove(tmp.Name())
	if errors.Is(err, fs.ErrExist) {
		return LoadSecrets(path)
	}
	if err != nil {
		return nil, fileError(err, true, "无法写入"+keyFileSource(path))
	}
	s.source = keyFileSource(path)
	return s, nil
}

// writeNewFile writes b to a file at path that must not exist (mode 0600).
func writeNewFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if e := f.Close(); err == nil {
		err = e
	}
	return err
}

// keyFileSource names the key file at path in messages, by its absolute
// path: a relative one says nothing of where the process looked.
func keyFileSource(path string) string { return "密钥文件“" + absPath(path) + "”" }

// absPath returns path made absolute, or path if it cannot be.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// ephemeral holds the keys EphemeralKeys generates, by database: every
// Open of one database in a process gets the same keys, as processes
// sharing a key file do.
var ephemeral struct {
	sync.Mutex
	keys map[string]*Secrets
}

// ephemeralSecrets returns the in-memory keys of the database named by
// identity, generating them on first use ("": always new ones).
func ephemeralSecrets(identity string) (*Secrets, error) {
	ephemeral.Lock()
	defer ephemeral.Unlock()
	if s := ephemeral.keys[identity]; s != nil && identity != "" {
		return s, nil
	}
	s, err := NewSecrets()
	if err != nil {
		return nil, err
	}
	s.source = "本进程生成的临时密钥"
	if identity != "" {
		if ephemeral.keys == nil {
			ephemeral.keys = map[string]*Secrets{}
		}
		ephemeral.keys[identity] = s
	}
	return s, nil
}

// fingerprintDomain separates the key fingerprint from every other
// SHA-256 the platform computes.
const fingerprintDomain = "jlcredit platform key fingerprint v1\x00"

// Fingerprint identifies the secret keys without revealing them: the
// hex SHA-256, under a domain-separation prefix, of each secret key
// prefixed with its length. The database stores it (platform_keys) with
// the public verifier key, never the keys.
func (s *Secrets) Fingerprint() string {
	h := sha256.New()
	h.Write([]byte(fingerprintDomain))
	for _, k := range [][]byte{s.IDKey, s.IDHashKey, []byte(s.LedgerSKey)} {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(k))))
		h.Write(k)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// keyID returns the name and key hash of a note verifier key
// (name+hash+key): what a signature line of a signed note names.
func keyID(vkey string) string {
	name, rest, _ := strings.Cut(vkey, "+")
	hash, _, _ := strings.Cut(rest, "+")
	return name + "+" + hash
}

// noteSigners returns the keys (name+hash, as keyID) whose signatures a
// signed note carries, from its signature lines “— name base64(hash||sig)”.
func noteSigners(note string) []string {
	i := strings.LastIndex(note, "\n\n")
	if i < 0 {
		return nil
	}
	var out []string
	for line := range strings.Lines(note[i+2:]) {
		rest, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "— ")
		name, sig, ok2 := strings.Cut(rest, " ")
		b, err := base64.StdEncoding.DecodeString(sig)
		if !ok || !ok2 || err != nil || len(b) < 4 {
			continue
		}
		out = append(out, fmt.Sprintf("%s+%08x", name, binary.BigEndian.Uint32(b)))
	}
	return out
}

// bindKey binds the database to the keys of db.Secrets, or refuses keys
// that are not the database's own. Sealed citizen IDs, raw batches and
// signed checkpoints written with another key file can never be read or
// verified again, so this runs in Open, before anything is written, and
// again in Migrate once the migrations have created platform_keys:
//
//   - Bound (platform_keys holds a row): the verifier key and the
//     fingerprint must be those stored, or ECONFLICT.
//   - Not bound: a new database, or one written by a build before
//     migration 0019. The newest checkpoint of the record ledger and of the
//     audit log, if any, must verify with the verifier key, or ECONFLICT.
//     Then the keys are stored (once platform_keys exists: Migrate on a
//     new database), and compared again in case another process stored its
//     own meanwhile.
func (db *DB) bindKey(ctx context.Context) error {
	hasTable, err := db.tableExists(ctx, "platform_keys")
	if err != nil {
		return err
	}
	if hasTable {
		if vkey, fp, err := db.boundKey(ctx); err != nil {
			return err
		} else if vkey != "" {
			return db.Secrets.match(vkey, fp)
		}
	}
	if err := db.checkLegacyKey(ctx); err != nil {
		return err
	}
	if !hasTable {
		return nil
	}
	if _, err := db.write.ExecContext(ctx, db.rebind(`INSERT INTO platform_keys (id, ledger_vkey, fingerprint, bound_at) VALUES (1, $1, $2, $3)
		ON CONFLICT (id) DO NOTHING`), db.Secrets.VerifierKey(), db.Secrets.Fingerprint(), db.Now().UTC()); err != nil {
		return fmt.Errorf("storage: bind key: %w", err)
	}
	vkey, fp, err := db.boundKey(ctx)
	if err != nil {
		return err
	}
	return db.Secrets.match(vkey, fp)
}

// boundKey returns the keys stored in platform_keys ("" when none).
func (db *DB) boundKey(ctx context.Context) (vkey, fingerprint string, err error) {
	err = db.write.QueryRowContext(ctx, `SELECT ledger_vkey, fingerprint FROM platform_keys WHERE id = 1`).Scan(&vkey, &fingerprint)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("storage: read bound key: %w", err)
	}
	return vkey, fingerprint, nil
}

// match returns ECONFLICT unless s are the keys a database stored.
func (s *Secrets) match(vkey, fingerprint string) error {
	switch {
	case vkey != s.VerifierKey():
		return credit.Errorf(credit.ECONFLICT, "%s与数据库不匹配：该数据库使用的签名公钥为 %s（此密钥的为 %s）；请使用创建该数据库时的密钥文件（CREDIT_KEY_FILE）",
			s.source, vkey, s.VerifierKey())
	case fingerprint != s.Fingerprint():
		return credit.Errorf(credit.ECONFLICT, "%s与数据库不匹配：签名公钥相同（%s），但身份证号加密密钥或查询哈希密钥不同；请使用创建该数据库时的密钥文件（CREDIT_KEY_FILE）",
			s.source, vkey)
	}
	return nil
}

// checkLegacyKey checks the keys against a database that stored none: the
// newest checkpoint of each tree, if there is one, must verify with them.
func (db *DB) checkLegacyKey(ctx context.Context) error {
	for _, tree := range []struct{ table, what string }{{"ledger_checkpoints", "存证账本"}, {"audit_checkpoints", "审计日志"}} {
		if ok, err := db.tableExists(ctx, tree.table); err != nil {
			return err
		} else if !ok {
			continue
		}
		var size int64
		var note string
		err := db.write.QueryRowContext(ctx, `SELECT size, note FROM `+tree.table+` ORDER BY size DESC LIMIT 1`).Scan(&size, &note)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("storage: check key: %w", err)
		}
		if _, err := ledger.OpenCheckpoint([]byte(note), db.Secrets.VerifierKey()); err != nil {
			why := "无法用此密钥的签名公钥验证（" + strings.TrimSuffix(credit.ErrorMessage(err), "。") + "）"
			if signers := noteSigners(note); len(signers) > 0 && !slices.Contains(signers, keyID(db.Secrets.VerifierKey())) {
				why = "由签名公钥 " + strings.Join(signers, "+…、") + "+… 签署，而此密钥的签名公钥为 " + db.Secrets.VerifierKey()
			}
			return credit.Errorf(credit.ECONFLICT, "%s与数据库不匹配：该数据库%s最新的检查点（大小%d）%s；请使用创建该数据库时的密钥文件（CREDIT_KEY_FILE）",
				db.Secrets.source, tree.what, size, why)
		}
	}
	return nil
}

// refuseNewKeyFile returns ECONFLICT when the key file at path, which does
// not exist, must not be created: the database is bound to keys, or has
// been migrated (a build before the binding created the key file with the
// database). Its data was written with keys a new file would not hold.
func (db *DB) refuseNewKeyFile(ctx context.Context, path string) error {
	vkey := ""
	if ok, err := db.tableExists(ctx, "platform_keys"); err != nil {
		return err
	} else if ok {
		if vkey, _, err = db.boundKey(ctx); err != nil {
			return err
		}
	}
	migrated := false
	if vkey == "" {
		ok, err := db.tableExists(ctx, "schema_migrations")
		if err != nil {
			return err
		}
		if ok {
			var n int
			if err := db.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
				return fmt.Errorf("storage: check key: %w", err)
			}
			migrated = n > 0
		}
	}
	if vkey == "" && !migrated {
		return nil
	}
	bound := "该数据库已有数据"
	if vkey != "" {
		bound = "该数据库已绑定签名公钥 " + vkey
	}
	return credit.Errorf(credit.ECONFLICT, "%s不存在，而%s：不会为已有数据的数据库生成新密钥（用新密钥写入的数据将无法解密和验证）。请用 CREDIT_KEY_FILE 指定创建该数据库时的密钥文件（SQLite 数据库默认为数据库文件旁的 credit.key）",
		keyFileSource(path), bound)
}

// tableExists reports whether the database has the table name.
func (db *DB) tableExists(ctx context.Context, name string) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if db.dialect == Postgres {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var n int
	if err := db.write.QueryRowContext(ctx, db.rebind(q), name).Scan(&n); err != nil {
		return false, fmt.Errorf("storage: check key: %w", err)
	}
	return n > 0, nil
}

// HashCitizenID returns the keyed lookup hash of a normalised citizen ID.
func (s *Secrets) HashCitizenID(id string) []byte {
	m := hmac.New(sha256.New, s.IDHashKey)
	m.Write([]byte(id))
	return m.Sum(nil)
}

// EncryptCitizenID seals id with AES-256-GCM (random nonce prepended).
func (s *Secrets) EncryptCitizenID(id string) ([]byte, error) { return s.seal([]byte(id)) }

// seal encrypts b with AES-256-GCM under the ID key (random nonce
// prepended). Raw batches and rejected rows, which may hold citizen IDs, are
// sealed at rest.
func (s *Secrets) seal(b []byte) ([]byte, error) { return s.sealFor(b, nil) }

// sealFor is seal with associated data: ad is authenticated with b but not
// stored; open must be given the same (openFor).
func (s *Secrets) sealFor(b, ad []byte) ([]byte, error) {
	block, err := aes.NewCipher(s.IDKey)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return g.Seal(nonce, nonce, b, ad), nil
}

// DecryptCitizenID opens a sealed citizen ID.
func (s *Secrets) DecryptCitizenID(b []byte) (string, error) {
	out, err := s.open(b)
	return string(out), err
}

// open decrypts what seal encrypted.
func (s *Secrets) open(b []byte) ([]byte, error) { return s.openFor(b, nil) }

// openFor decrypts what sealFor encrypted with the same associated data.
func (s *Secrets) openFor(b, ad []byte) ([]byte, error) {
	block, err := aes.NewCipher(s.IDKey)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(b) < g.NonceSize() {
		return nil, errors.New("storage: sealed data too short")
	}
	return g.Open(nil, b[:g.NonceSize()], b[g.NonceSize():], ad)
}

// VerifierKey returns the public note verifier key of the ledger.
func (s *Secrets) VerifierKey() string { return s.LedgerVKey }
