package storage

import (
	"encoding/base64"
	"strings"

	"jlcredit/internal/catalog"
	"jlcredit/internal/subject"
)

// sealedPrefix marks an identity number encrypted at rest in a record's fields.
const sealedPrefix = "enc:v1:"

// protectFields encrypts, in place, the identity-number fields of a record
// (catalog type id_no): citizen IDs are never stored in clear. It runs after
// the content hash (over clear values, for duplicate detection) and before the
// canonical bytes of the ledger (over what is stored, so that `ledger verify`
// can recompute them). It reports whether it sealed any value.
func (s *Secrets) protectFields(c *catalog.Class, fields map[string]string) (changed bool, err error) {
	for _, f := range c.Fields {
		if f.Type != catalog.IDNo {
			continue
		}
		v, ok := fields[f.Code]
		if !ok || v == "" || strings.HasPrefix(v, sealedPrefix) {
			continue
		}
		sealed, err := s.EncryptCitizenID(v)
		if err != nil {
			return changed, err
		}
		fields[f.Code] = sealedPrefix + base64.StdEncoding.EncodeToString(sealed)
		changed = true
	}
	return changed, nil
}

// maskFields returns a copy of fields for display: identity numbers are
// decrypted and masked (220102********1234); nothing else changes.
func (s *Secrets) maskFields(c *catalog.Class, fields map[string]string) map[string]string {
	sealed := false
	for _, v := range fields {
		if strings.HasPrefix(v, sealedPrefix) {
			sealed = true
			break
		}
	}
	if !sealed {
		return fields
	}
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		out[k] = v
		if !strings.HasPrefix(v, sealedPrefix) {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(v[len(sealedPrefix):])
		if err != nil {
			out[k] = "（无法解密）"
			continue
		}
		clear, err := s.DecryptCitizenID(b)
		if err != nil {
			out[k] = "（无法解密）"
			continue
		}
		out[k] = subject.MaskCitizenID(clear)
	}
	return out
}

// sealText seals b as text for a TEXT column.
func (s *Secrets) sealText(b []byte) (string, error) {
	sealed, err := s.seal(b)
	if err != nil {
		return "", err
	}
	return sealedPrefix + base64.StdEncoding.EncodeToString(sealed), nil
}

// openText opens what sealText sealed; unsealed text is returned as is.
func (s *Secrets) openText(v string) ([]byte, error) {
	if !strings.HasPrefix(v, sealedPrefix) {
		return []byte(v), nil
	}
	b, err := base64.StdEncoding.DecodeString(v[len(sealedPrefix):])
	if err != nil {
		return nil, err
	}
	return s.open(b)
}
