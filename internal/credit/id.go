package credit

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// SubjectID identifies a credit subject.
type SubjectID int64

// RecordID identifies one version of a credit record.
type RecordID int64

// DepartmentID identifies a department.
type DepartmentID int64

// UserID identifies a console user.
type UserID int64

// BatchID identifies a submitted batch. It is a time-ordered string
// ("B" + Asia/Shanghai timestamp + random hex, so that the time in it is
// the one the pages show) and batches sort by submission (China has no
// daylight saving time).
type BatchID string

// NewBatchID returns a fresh BatchID for time t.
func NewBatchID(t time.Time) BatchID {
	return BatchID("B" + t.In(Shanghai).Format("20060102150405") + "-" + RandomHex(6))
}

// RandomHex returns n random bytes as hex. It panics if the system random
// source fails, which only happens on a broken machine.
func RandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
