package ledger

import (
	"fmt"
	"iter"

	"golang.org/x/mod/sumdb/tlog"

	"jlcredit/internal/credit"
)

// Mismatch is the error VerifyAll and Rebuild return for the first place
// where the ledger disagrees with itself or with a checkpoint.
type Mismatch struct {
	// Index is the first leaf that cannot be trusted. For a root mismatch
	// the tampering lies somewhere in leaves [Index, Size).
	Index int64
	// StoredIndex is the storage index of the stored hash that disagrees
	// with the recomputed one, or -1.
	StoredIndex int64
	// Size is the size of the checkpoint whose root disagrees, or 0.
	Size int64
	// Reason says what disagrees, in Chinese.
	Reason string
}

// Error implements error.
func (m *Mismatch) Error() string {
	return fmt.Sprintf("ledger mismatch at leaf %d: %s", m.Index, m.Reason)
}

// Unwrap returns an EINVALID *credit.Error with the reason, so that
// credit.ErrorCode and credit.ErrorMessage work on a Mismatch.
func (m *Mismatch) Unwrap() error {
	return credit.Errorf(credit.EINVALID, "账本校验未通过（自序号 %d 起）：%s", m.Index, m.Reason)
}

// Rebuild computes the size and root hash of the tree whose leaves are
// yielded by leaves, which must yield indexes 0, 1, 2, … in order; it
// returns a *Mismatch otherwise. It runs in O(n) time and O(log n) memory
// (the hashes of the complete subtrees on the right edge, RFC 6962 style).
//
// An iterator that reads a database cannot return an error: it should stop
// and keep the error for its caller, who must check it before trusting the
// result.
func Rebuild(leaves iter.Seq2[int64, tlog.Hash]) (size int64, root tlog.Hash, err error) {
	var f frontier
	var buf [64]tlog.Hash
	for i, h := range leaves {
		if i != f.size {
			return f.size, tlog.Hash{}, outOfOrder(f.size, i)
		}
		f.push(h, buf[:0])
	}
	return f.size, f.root(), nil
}

func outOfOrder(want, got int64) *Mismatch {
	return &Mismatch{Index: want, StoredIndex: -1,
		Reason: fmt.Sprintf("叶子序号不连续：应为 %d，实际为 %d。", want, got)}
}

// VerifyAll recomputes the whole tree in one pass and returns a *Mismatch for
// the first place where the ledger disagrees, or nil.
//
// leaves yields (index, leaf hash) in index order from 0, where each leaf
// hash is recomputed as Leaf(canonical bytes) from the stored record
// version, not read from the hash table: otherwise a changed record would go
// unnoticed. stored, if not nil, yields the hash table as (storage index,
// hash) in storage-index order from 0; every stored hash must equal the
// recomputed one, and there must be exactly tlog.StoredHashCount(n) of them
// for n leaves. Each checkpoint (in ascending order of size, already opened
// with OpenCheckpoint) must have the root of the first Size leaves; the
// checkpoints bound where tampering lies when the stored hashes were
// rewritten to match changed records.
//
// Both iterators must read the same snapshot of the database. Errors while
// reading are the iterators' own: they should stop and keep the error, and
// the caller must check it first. VerifyAll runs in O(n) time and O(log n)
// memory.
func VerifyAll(leaves, stored iter.Seq2[int64, tlog.Hash], checkpoints ...Checkpoint) error {
	for i := 1; i < len(checkpoints); i++ {
		if checkpoints[i].Size < checkpoints[i-1].Size {
			return credit.Errorf(credit.EINVALID, "检查点必须按账本大小升序排列。")
		}
	}
	var next func() (int64, tlog.Hash, bool)
	if stored != nil {
		var stop func()
		next, stop = iter.Pull2(stored)
		defer stop()
	}

	var f frontier
	var buf [64]tlog.Hash
	cps := checkpoints
	trusted := int64(0) // leaves below this are covered by a good checkpoint

	// checkRoots compares f's root with the checkpoints of its size.
	checkRoots := func() error {
		for len(cps) > 0 && cps[0].Size == f.size {
			if f.root() != cps[0].Root {
				return &Mismatch{Index: trusted, StoredIndex: -1, Size: f.size,
					Reason: fmt.Sprintf("重算的树根与大小为 %d 的检查点不符，被改动的记录位于第 %d 至 %d 条之间。", f.size, trusted, f.size-1)}
			}
			trusted = f.size
			cps = cps[1:]
		}
		return nil
	}

	for i, leaf := range leaves {
		if i != f.size {
			return outOfOrder(f.size, i)
		}
		if err := checkRoots(); err != nil {
			return err
		}
		hashes := f.push(leaf, buf[:0])
		if next == nil {
			continue
		}
		first := tlog.StoredHashIndex(0, i)
		for k, want := range hashes {
			idx := first + int64(k)
			got, h, ok := next()
			switch {
			case !ok || got > idx:
				return &Mismatch{Index: i, StoredIndex: idx,
					Reason: fmt.Sprintf("缺少存储哈希 %d。", idx)}
			case got < idx:
				return &Mismatch{Index: i, StoredIndex: got,
					Reason: fmt.Sprintf("存储哈希序号 %d 重复或顺序错误，此处应为 %d。", got, idx)}
			case h != want && k == 0:
				return &Mismatch{Index: i, StoredIndex: idx,
					Reason: fmt.Sprintf("序号 %d 的内容与账本中的叶子哈希不符。", i)}
			case h != want:
				return &Mismatch{Index: i, StoredIndex: idx,
					Reason: fmt.Sprintf("存储哈希 %d 与重算结果不符。", idx)}
			}
		}
	}
	if err := checkRoots(); err != nil {
		return err
	}
	if len(cps) > 0 {
		return &Mismatch{Index: f.size, StoredIndex: -1, Size: cps[0].Size,
			Reason: fmt.Sprintf("账本只有 %d 个叶子，少于大小为 %d 的检查点。", f.size, cps[0].Size)}
	}
	if next != nil {
		if got, _, ok := next(); ok {
			return &Mismatch{Index: f.size, StoredIndex: got,
				Reason: fmt.Sprintf("存储哈希 %d 超出 %d 条记录应有的范围。", got, f.size)}
		}
	}
	return nil
}
