// Package ledger is the platform's tamper-evident log (存证): an append-only
// RFC 6962 Merkle tree over every version of every credit record, with signed
// checkpoints and proofs that anyone can check with golang.org/x/mod/sumdb/tlog.
//
// The package is pure: it defines what storage must keep and the algorithms
// over it, and does no SQL and no HTTP.
//
// Leaves. Each record version is one leaf. The leaf hash is
// tlog.RecordHash(canonical) = SHA-256(0x00 || canonical), where canonical is
// the record version's canonical byte form (see [Leaf]). A record version
// remembers its leaf index (record.Record.LedgerIndex).
//
// Stored hashes. The tree is kept as tlog keeps it: every leaf hash and every
// hash of a complete subtree, each at its storage index
// tlog.StoredHashIndex(level, n), in a table
//
//	ledger_hash(index BIGINT PRIMARY KEY, hash BYTEA /* 32 bytes */)
//
// Appending leaf n writes the hashes returned by [Appender.Append], at
// consecutive storage indexes starting at tlog.StoredHashIndex(0, n); a tree of
// n leaves has tlog.StoredHashCount(n) ≈ 2n rows and they are never updated.
// Storage reads them through [HashStore].
//
// Appending. In one ingest transaction storage takes the ledger lock (one
// writer at a time), reads the current size n, calls NewAppender(ctx, store, n),
// calls Append for each new record version (inserting the returned hashes
// and writing the leaf index on the version), then signs a checkpoint for the
// new size and [Appender.Root] with [Signer.Sign] and inserts it, all before
// commit. The appender keeps only the hashes of the complete subtrees on the
// right edge of the tree (at most 63), read from the store in a single call,
// so a batch of any length costs one read and O(log n) memory.
//
// Checkpoints. A checkpoint is a signed tree head in the C2SP tlog-checkpoint
// format: the note body "<origin>\n<size>\n<base64 root>\n" followed by an
// Ed25519 note signature (golang.org/x/mod/sumdb/note). The origin names the
// log, for example [DefaultOrigin]; by convention the key has the same name.
// Whoever checks a checkpoint must also check that its origin is the one
// expected.
//
// Proofs. [ProveInclusion] proves that a leaf is in the tree of a checkpoint,
// [ProveConsistency] that a newer checkpoint extends an older one; both read
// O(log n) stored hashes. [VerifyAll] recomputes the whole tree from the
// record versions in one pass with O(log n) memory (`credit ledger verify`).
package ledger

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"jlcredit/internal/credit"
)

// DefaultOrigin is the origin line of the platform's checkpoints, and the
// name of its signing key.
const DefaultOrigin = "jl.credit.gov.cn/ledger"

// Leaf returns the RFC 6962 leaf hash, tlog.RecordHash, of the canonical bytes
// of a record version.
func Leaf(canonical []byte) tlog.Hash {
	return tlog.RecordHash(canonical)
}

// HashStore reads stored hashes by storage index (tlog.StoredHashIndex).
// Storage implements it over a table (index BIGINT PRIMARY KEY, hash BYTEA).
type HashStore interface {
	// ReadHashes returns the hashes at the given storage indexes, in the
	// same order as indexes. It returns an error if any is missing.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
}

// Stored is one hash to persist: its storage index and its value.
type Stored struct {
	Index int64     `json:"index"`
	Hash  tlog.Hash `json:"hash"`
}

// reader adapts a HashStore to tlog.HashReader for one operation.
func reader(ctx context.Context, store HashStore) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return readHashes(ctx, store, indexes)
	})
}

// readHashes calls store.ReadHashes and checks the number of hashes.
func readHashes(ctx context.Context, store HashStore, indexes []int64) ([]tlog.Hash, error) {
	hashes, err := store.ReadHashes(ctx, indexes)
	if err != nil {
		return nil, err
	}
	if len(hashes) != len(indexes) {
		return nil, fmt.Errorf("ReadHashes(%d indexes) returned %d hashes", len(indexes), len(hashes))
	}
	return hashes, nil
}

// TreeHash returns the root hash of the tree of the given size, reading
// O(log size) hashes from store.
func TreeHash(ctx context.Context, store HashStore, size int64) (_ tlog.Hash, err error) {
	defer wrap(&err, "ledger.TreeHash(%d)", size)
	if size < 0 {
		return tlog.Hash{}, credit.Errorf(credit.EINVALID, "账本大小不能为负数：%d。", size)
	}
	return tlog.TreeHash(size, reader(ctx, store))
}

// wrap adds context to a non-nil *errp, keeping it reachable with errors.As.
func wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}
