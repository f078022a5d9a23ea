package ledger

import (
	"context"
	"crypto/sha256"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"jlcredit/internal/credit"
)

// frontier is the right edge of a tree: for a tree of size leaves, h[l] is
// the hash of the complete subtree of 2^l leaves ending the tree's prefix
// of length size>>l<<l, valid when bit l of size is set. This is all that is
// needed to append leaves and to compute the root, in O(log size) memory.
type frontier struct {
	size int64
	h    [63]tlog.Hash
}

// frontierIndexes returns the storage indexes of the frontier hashes of a
// tree of size n, from the largest subtree to the smallest; this is the
// order of tlog's own reads.
func frontierIndexes(n int64) []int64 {
	var idx []int64
	for l := 62; l >= 0; l-- {
		if n>>l&1 == 1 {
			idx = append(idx, tlog.StoredHashIndex(l, n>>l-1))
		}
	}
	return idx
}

// set fills f for a tree of size n from the hashes at frontierIndexes(n).
func (f *frontier) set(n int64, hashes []tlog.Hash) {
	f.size = n
	i := 0
	for l := 62; l >= 0; l-- {
		if n>>l&1 == 1 {
			f.h[l] = hashes[i]
			i++
		}
	}
}

// push appends a leaf and appends to dst the hashes to store for it, in
// storage order starting at tlog.StoredHashIndex(0, size): the leaf hash,
// then the hashes of the subtrees the leaf completes. It is what
// tlog.StoredHashesForRecordHash computes.
func (f *frontier) push(leaf tlog.Hash, dst []tlog.Hash) []tlog.Hash {
	n := f.size
	h := leaf
	dst = append(dst, h)
	l := 0
	for ; n>>l&1 == 1; l++ {
		h = tlog.NodeHash(f.h[l], h)
		dst = append(dst, h)
	}
	f.h[l] = h
	f.size++
	return dst
}

// emptyRoot is the RFC 6962 hash of the empty tree, SHA-256 of nothing.
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

// root returns the tree hash, as tlog.TreeHash computes it.
func (f *frontier) root() tlog.Hash {
	if f.size == 0 {
		return emptyRoot
	}
	var h tlog.Hash
	first := true
	for l := 0; l < len(f.h); l++ {
		if f.size>>l&1 == 0 {
			continue
		}
		if first {
			h, first = f.h[l], false
		} else {
			h = tlog.NodeHash(f.h[l], h)
		}
	}
	return h
}

// Appender computes, for a run of leaves appended to a tree, all the hashes
// to store. It reads the hashes of the existing tree's right edge from the
// store once, on first use, in a single ReadHashes call of at most 63
// indexes, and from then on works from memory.
//
// An Appender belongs to one ingest transaction: it holds the context of
// that transaction for its one read, and it is not safe for concurrent use.
// The caller must hold the ledger lock from reading the size until commit.
type Appender struct {
	ctx    context.Context
	store  HashStore
	start  int64
	loaded bool
	err    error
	f      frontier
	buf    []tlog.Hash
}

// NewAppender returns an Appender that appends to the tree of the given size
// whose hashes are in store.
func NewAppender(ctx context.Context, store HashStore, size int64) *Appender {
	a := &Appender{ctx: ctx, store: store, start: size}
	a.f.size = size
	if size < 0 {
		a.err = credit.Errorf(credit.EINVALID, "账本大小不能为负数：%d。", size)
	}
	return a
}

// load reads the frontier of the starting tree, once.
func (a *Appender) load() error {
	if a.loaded || a.err != nil {
		return a.err
	}
	idx := frontierIndexes(a.start)
	if len(idx) > 0 {
		hashes, err := readHashes(a.ctx, a.store, idx)
		if err != nil {
			a.err = fmt.Errorf("ledger: reading the right edge of the tree of size %d: %w", a.start, err)
			return a.err
		}
		a.f.set(a.start, hashes)
	}
	a.loaded = true
	return nil
}

// Load reads the right edge of the starting tree now, if it has not been
// read, so that later appends do not use the store (for instance while
// the store's connection is busy with a COPY).
func (a *Appender) Load() error { return a.load() }

// Append adds one leaf. It returns the leaf's index and the hashes to
// persist, at consecutive storage indexes starting at
// tlog.StoredHashIndex(0, index). After an error the Appender is unusable.
func (a *Appender) Append(leaf tlog.Hash) (index int64, stored []Stored, err error) {
	if err := a.load(); err != nil {
		return 0, nil, err
	}
	index = a.f.size
	a.buf = a.f.push(leaf, a.buf[:0])
	first := tlog.StoredHashIndex(0, index)
	stored = make([]Stored, len(a.buf))
	for i, h := range a.buf {
		stored[i] = Stored{Index: first + int64(i), Hash: h}
	}
	return index, stored, nil
}

// Size returns the number of leaves in the tree, including those appended.
func (a *Appender) Size() int64 {
	return a.f.size
}

// Root returns the tree hash at the current size, as tlog.TreeHash computes
// it from the stored hashes.
func (a *Appender) Root() (tlog.Hash, error) {
	if err := a.load(); err != nil {
		return tlog.Hash{}, err
	}
	return a.f.root(), nil
}
