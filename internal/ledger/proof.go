package ledger

import (
	"context"

	"golang.org/x/mod/sumdb/tlog"

	"jlcredit/internal/credit"
)

// Proof is an inclusion proof (RFC 6962 audit path) of the leaf at Index in
// the tree of Size leaves. In JSON the hashes are base64 strings. Anyone can
// check it with tlog.CheckRecord(Hashes, Size, root, Index, Leaf).
type Proof struct {
	Index  int64       `json:"index"`
	Size   int64       `json:"size"`
	Leaf   tlog.Hash   `json:"leaf"`
	Hashes []tlog.Hash `json:"hashes"`
}

// ProveInclusion returns the proof that the leaf at index is in the tree of
// the given size, reading O(log size) hashes from store. It returns EINVALID
// unless 0 <= index < size.
func ProveInclusion(ctx context.Context, store HashStore, size, index int64) (_ Proof, err error) {
	defer wrap(&err, "ledger.ProveInclusion(%d, %d)", size, index)
	if index < 0 || index >= size {
		return Proof{}, credit.Errorf(credit.EINVALID, "记录序号 %d 不在大小为 %d 的账本内。", index, size)
	}
	p, err := tlog.ProveRecord(size, index, reader(ctx, store))
	if err != nil {
		return Proof{}, err
	}
	leaf, err := readHashes(ctx, store, []int64{tlog.StoredHashIndex(0, index)})
	if err != nil {
		return Proof{}, err
	}
	return Proof{Index: index, Size: size, Leaf: leaf[0], Hashes: nonNil(p)}, nil
}

// VerifyInclusion checks that p proves its leaf is in the tree of p.Size
// leaves whose root hash is root. It returns EINVALID if not.
func VerifyInclusion(p Proof, root tlog.Hash) error {
	if p.Index < 0 || p.Index >= p.Size {
		return credit.Errorf(credit.EINVALID, "证明中的记录序号 %d 不在大小为 %d 的账本内。", p.Index, p.Size)
	}
	if err := tlog.CheckRecord(p.Hashes, p.Size, root, p.Index, p.Leaf); err != nil {
		return credit.Errorf(credit.EINVALID, "存证证明校验失败：记录 %d 不在该树根对应的账本中，或证明被篡改。", p.Index)
	}
	return nil
}

// ConsistencyProof proves that the tree of NewSize leaves extends the tree of
// OldSize leaves (RFC 6962 consistency proof). Anyone can check it with
// tlog.CheckTree(Hashes, NewSize, newRoot, OldSize, oldRoot).
type ConsistencyProof struct {
	OldSize int64       `json:"old_size"`
	NewSize int64       `json:"new_size"`
	Hashes  []tlog.Hash `json:"hashes"`
}

// ProveConsistency returns the proof that the tree of newSize leaves extends
// the tree of oldSize leaves. It returns EINVALID unless
// 1 <= oldSize <= newSize.
func ProveConsistency(ctx context.Context, store HashStore, oldSize, newSize int64) (_ ConsistencyProof, err error) {
	defer wrap(&err, "ledger.ProveConsistency(%d, %d)", oldSize, newSize)
	if oldSize < 1 || oldSize > newSize {
		return ConsistencyProof{}, credit.Errorf(credit.EINVALID, "一致性证明要求 1 ≤ 旧大小 ≤ 新大小，实际为 %d 和 %d。", oldSize, newSize)
	}
	p, err := tlog.ProveTree(newSize, oldSize, reader(ctx, store))
	if err != nil {
		return ConsistencyProof{}, err
	}
	return ConsistencyProof{OldSize: oldSize, NewSize: newSize, Hashes: nonNil(p)}, nil
}

// VerifyConsistency checks that p proves the tree with root newRoot extends
// the tree with root oldRoot. It returns EINVALID if not.
func VerifyConsistency(p ConsistencyProof, oldRoot, newRoot tlog.Hash) error {
	if p.OldSize < 1 || p.OldSize > p.NewSize {
		return credit.Errorf(credit.EINVALID, "一致性证明要求 1 ≤ 旧大小 ≤ 新大小，实际为 %d 和 %d。", p.OldSize, p.NewSize)
	}
	if err := tlog.CheckTree(p.Hashes, p.NewSize, newRoot, p.OldSize, oldRoot); err != nil {
		return credit.Errorf(credit.EINVALID, "一致性证明校验失败：大小为 %d 的账本不是大小为 %d 的账本的延续。", p.NewSize, p.OldSize)
	}
	return nil
}

// nonNil returns hs, or an empty slice for nil, so JSON shows [] not null.
func nonNil(hs []tlog.Hash) []tlog.Hash {
	if hs == nil {
		return []tlog.Hash{}
	}
	return hs
}
