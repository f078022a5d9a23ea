package storage

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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
	if len(s.IDKey) != 32 || len(s.IDHashKey) != 32 {
		return credit.Errorf(credit.EINVALID, "密钥文件无效：身份证号加密密钥应为32字节")
	}
	var err error
	s.signer, err = ledger.NewSigner(s.LedgerSKey)
	if err != nil {
		return credit.Errorf(credit.EINVALID, "密钥文件无效：存证签名密钥无法解析")
	}
	return nil
}

// LoadOrCreateSecrets reads the key file at path, creating it (mode 0600)
// with fresh keys when it does not exist.
func LoadOrCreateSecrets(path string) (*Secrets, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		s, err := NewSecrets()
		if err != nil {
			return nil, err
		}
		b, _ := json.MarshalIndent(s, "", "  ")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("storage: write key file: %w", err)
		}
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage: read key file: %w", err)
	}
	var s Secrets
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, credit.Errorf(credit.EINVALID, "密钥文件%s格式错误：%v", path, err)
	}
	return &s, s.init()
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
