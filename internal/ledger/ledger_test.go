package ledger

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"jlcredit/internal/credit"
)

// memStore is an in-memory HashStore, as storage keeps the ledger_hash table.
type memStore struct {
	h     map[int64]tlog.Hash
	reads int // ReadHashes calls
}

func newMemStore() *memStore { return &memStore{h: map[int64]tlog.Hash{}} }

func (s *memStore) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	s.reads++
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := s.h[idx]
		if !ok {
			return nil, fmt.Errorf("hash %d not stored", idx)
		}
		out[i] = h
	}
	return out, nil
}

// tlogReader reads s without counting, for tlog's own functions.
func (s *memStore) tlogReader() tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, idx := range indexes {
			h, ok := s.h[idx]
			if !ok {
				return nil, fmt.Errorf("hash %d not stored", idx)
			}
			out[i] = h
		}
		return out, nil
	})
}

// record returns the canonical bytes of test record i.
func record(i int64) []byte { return fmt.Appendf(nil, "record %d\n", i) }

// mustAppend appends leaves [s.size, n) to s in batches of the given size,
// storing what the Appender returns, and returns the root.
func mustAppend(tb testing.TB, s *memStore, from, to int64, batch int) tlog.Hash {
	tb.Helper()
	ctx := context.Background()
	if from >= to {
		root, err := NewAppender(ctx, s, to).Root()
		if err != nil {
			tb.Fatalf("Root: %v", err)
		}
		return root
	}
	var root tlog.Hash
	for start := from; start < to; start += int64(batch) {
		a := NewAppender(ctx, s, start)
		for i := start; i < min(start+int64(batch), to); i++ {
			index, stored, err := a.Append(Leaf(record(i)))
			if err != nil {
				tb.Fatalf("Append(%d): %v", i, err)
			}
			if index != i {
				tb.Fatalf("Append index = %d, want %d", index, i)
			}
			for _, st := range stored {
				if _, dup := s.h[st.Index]; dup {
					tb.Fatalf("Append(%d) stores index %d twice", i, st.Index)
				}
				s.h[st.Index] = st.Hash
			}
		}
		var err error
		if root, err = a.Root(); err != nil {
			tb.Fatalf("Root: %v", err)
		}
	}
	return root
}

func TestLeaf(t *testing.T) {
	if got, want := Leaf([]byte("x")), tlog.RecordHash([]byte("x")); got != want {
		t.Fatalf("Leaf = %v, want %v", got, want)
	}
}

func TestAppendMatchesTlog(t *testing.T) {
	ctx := context.Background()
	const N = 300
	// want: the stored hashes and roots computed by tlog itself.
	want := newMemStore()
	wantRoot := make([]tlog.Hash, N+1)
	for n := int64(0); n <= N; n++ {
		root, err := tlog.TreeHash(n, want.tlogReader())
		if err != nil {
			t.Fatal(err)
		}
		wantRoot[n] = root
		if n == N {
			break
		}
		hashes, err := tlog.StoredHashes(n, record(n), want.tlogReader())
		if err != nil {
			t.Fatal(err)
		}
		for k, h := range hashes {
			want.h[tlog.StoredHashIndex(0, n)+int64(k)] = h
		}
	}

	for _, batch := range []int{1, 2, 3, 7, 64, N} {
		t.Run(fmt.Sprintf("Batch%d", batch), func(t *testing.T) {
			s := newMemStore()
			for start := int64(0); start < N; start += int64(batch) {
				a := NewAppender(ctx, s, start)
				for i := start; i < min(start+int64(batch), N); i++ {
					_, stored, err := a.Append(Leaf(record(i)))
					if err != nil {
						t.Fatal(err)
					}
					for _, st := range stored {
						s.h[st.Index] = st.Hash
					}
					if got := a.Size(); got != i+1 {
						t.Fatalf("Size = %d, want %d", got, i+1)
					}
					root, err := a.Root()
					if err != nil {
						t.Fatal(err)
					}
					if root != wantRoot[i+1] {
						t.Fatalf("Root at size %d = %v, want %v", i+1, root, wantRoot[i+1])
					}
				}
			}
			if got, want := int64(len(s.h)), tlog.StoredHashCount(N); got != want {
				t.Fatalf("stored %d hashes, want %d", got, want)
			}
			for idx, h := range want.h {
				if s.h[idx] != h {
					t.Fatalf("stored hash %d = %v, want %v", idx, s.h[idx], h)
				}
			}
		})
	}

	t.Run("Empty", func(t *testing.T) {
		root, err := NewAppender(ctx, newMemStore(), 0).Root()
		if err != nil {
			t.Fatal(err)
		}
		if root != wantRoot[0] {
			t.Fatalf("Root of empty tree = %v, want %v", root, wantRoot[0])
		}
	})
}

func TestAppendReadsStoreOnce(t *testing.T) {
	s := newMemStore()
	const before, batch = 12345, 10000
	mustAppend(t, s, 0, before, 4096)
	s.reads = 0
	root := mustAppend(t, s, before, before+batch, batch)
	if s.reads != 1 {
		t.Fatalf("appending %d leaves made %d ReadHashes calls, want 1", batch, s.reads)
	}
	want, err := tlog.TreeHash(before+batch, s.tlogReader())
	if err != nil {
		t.Fatal(err)
	}
	if root != want {
		t.Fatalf("Root = %v, want %v", root, want)
	}
	got, err := TreeHash(context.Background(), s, before+batch)
	if err != nil || got != want {
		t.Fatalf("TreeHash = %v, %v, want %v", got, err, want)
	}
}

func TestAppendErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("NegativeSize", func(t *testing.T) {
		_, _, err := NewAppender(ctx, newMemStore(), -1).Append(Leaf(nil))
		if got := credit.ErrorCode(err); got != credit.EINVALID {
			t.Fatalf("code = %q, want %q (err %v)", got, credit.EINVALID, err)
		}
	})
	t.Run("MissingHashes", func(t *testing.T) {
		a := NewAppender(ctx, newMemStore(), 5)
		if _, _, err := a.Append(Leaf(nil)); err == nil {
			t.Fatal("Append on a store without the tree: no error")
		}
		if _, err := a.Root(); err == nil {
			t.Fatal("Root after a failed load: no error")
		}
	})
}

func TestInclusion(t *testing.T) {
	ctx := context.Background()
	const N = 300
	s := newMemStore()
	roots := make([]tlog.Hash, N+1)
	roots[0], _ = tlog.TreeHash(0, s.tlogReader())
	for n := int64(1); n <= N; n++ {
		roots[n] = mustAppend(t, s, n-1, n, 1)
	}
	for size := int64(1); size <= N; size++ {
		for index := range size {
			p, err := ProveInclusion(ctx, s, size, index)
			if err != nil {
				t.Fatalf("ProveInclusion(%d, %d): %v", size, index, err)
			}
			if p.Leaf != Leaf(record(index)) {
				t.Fatalf("proof leaf = %v, want %v", p.Leaf, Leaf(record(index)))
			}
			if err := VerifyInclusion(p, roots[size]); err != nil {
				t.Fatalf("VerifyInclusion(size %d, index %d): %v", size, index, err)
			}
			// Anyone with tlog can check it.
			if err := tlog.CheckRecord(p.Hashes, size, roots[size], index, Leaf(record(index))); err != nil {
				t.Fatalf("tlog.CheckRecord(size %d, index %d): %v", size, index, err)
			}
			// A tampered leaf fails.
			bad := p
			bad.Leaf = Leaf(append(record(index), '!'))
			if err := VerifyInclusion(bad, roots[size]); credit.ErrorCode(err) != credit.EINVALID {
				t.Fatalf("VerifyInclusion with tampered leaf (size %d, index %d) = %v, want EINVALID", size, index, err)
			}
			// A tampered path fails.
			if len(p.Hashes) > 0 {
				bad := p
				bad.Hashes = append([]tlog.Hash(nil), p.Hashes...)
				bad.Hashes[len(bad.Hashes)/2][0] ^= 1
				if err := VerifyInclusion(bad, roots[size]); err == nil {
					t.Fatalf("VerifyInclusion with tampered path (size %d, index %d) succeeded", size, index)
				}
			}
			// Another tree's root fails.
			if err := VerifyInclusion(p, roots[size-1]); err == nil {
				t.Fatalf("VerifyInclusion against root of size %d succeeded for size %d", size-1, size)
			}
		}
	}

	for _, test := range []struct {
		name        string
		size, index int64
	}{
		{"IndexTooLarge", 5, 5},
		{"NegativeIndex", 5, -1},
		{"EmptyTree", 0, 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := ProveInclusion(ctx, s, test.size, test.index)
			if got := credit.ErrorCode(err); got != credit.EINVALID {
				t.Fatalf("ProveInclusion(%d, %d) code = %q, want %q", test.size, test.index, got, credit.EINVALID)
			}
		})
	}
}

func TestProofJSON(t *testing.T) {
	s := newMemStore()
	root := mustAppend(t, s, 0, 11, 11)
	p, err := ProveInclusion(context.Background(), s, 11, 6)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"leaf":"`+p.Leaf.String()+`"`) {
		t.Fatalf("JSON %s does not hold the leaf in base64", data)
	}
	var q Proof
	if err := json.Unmarshal(data, &q); err != nil {
		t.Fatal(err)
	}
	if err := VerifyInclusion(q, root); err != nil {
		t.Fatalf("decoded proof: %v", err)
	}

	// A one-leaf tree has an empty path, shown as [].
	s1 := newMemStore()
	mustAppend(t, s1, 0, 1, 1)
	p1, err := ProveInclusion(context.Background(), s1, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	data, _ = json.Marshal(p1)
	if !strings.Contains(string(data), `"hashes":[]`) {
		t.Fatalf("JSON of one-leaf proof = %s, want \"hashes\":[]", data)
	}
}

func TestConsistency(t *testing.T) {
	ctx := context.Background()
	const N = 100
	s := newMemStore()
	roots := make([]tlog.Hash, N+1)
	for n := int64(1); n <= N; n++ {
		roots[n] = mustAppend(t, s, n-1, n, 1)
	}
	for newSize := int64(1); newSize <= N; newSize++ {
		for oldSize := int64(1); oldSize <= newSize; oldSize++ {
			p, err := ProveConsistency(ctx, s, oldSize, newSize)
			if err != nil {
				t.Fatalf("ProveConsistency(%d, %d): %v", oldSize, newSize, err)
			}
			if err := VerifyConsistency(p, roots[oldSize], roots[newSize]); err != nil {
				t.Fatalf("VerifyConsistency(%d, %d): %v", oldSize, newSize, err)
			}
			if err := tlog.CheckTree(p.Hashes, newSize, roots[newSize], oldSize, roots[oldSize]); err != nil {
				t.Fatalf("tlog.CheckTree(%d, %d): %v", oldSize, newSize, err)
			}
			// A forked old tree fails.
			forked := roots[oldSize]
			forked[3] ^= 0x80
			if err := VerifyConsistency(p, forked, roots[newSize]); credit.ErrorCode(err) != credit.EINVALID {
				t.Fatalf("VerifyConsistency(%d, %d) with forked old root = %v, want EINVALID", oldSize, newSize, err)
			}
			if len(p.Hashes) > 0 {
				bad := p
				bad.Hashes = append([]tlog.Hash(nil), p.Hashes...)
				bad.Hashes[0][0] ^= 1
				if err := VerifyConsistency(bad, roots[oldSize], roots[newSize]); err == nil {
					t.Fatalf("VerifyConsistency(%d, %d) with tampered proof succeeded", oldSize, newSize)
				}
			}
		}
	}
	for _, test := range []struct {
		name             string
		oldSize, newSize int64
	}{
		{"OldZero", 0, 5},
		{"OldLarger", 6, 5},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := ProveConsistency(ctx, s, test.oldSize, test.newSize)
			if got := credit.ErrorCode(err); got != credit.EINVALID {
				t.Fatalf("ProveConsistency(%d, %d) code = %q, want %q", test.oldSize, test.newSize, got, credit.EINVALID)
			}
		})
	}
}

// leafSeq yields the leaf hashes of records [0, n), with record bad
// (if >= 0) changed.
func leafSeq(n, bad int64) iter.Seq2[int64, tlog.Hash] {
	return func(yield func(int64, tlog.Hash) bool) {
		for i := range n {
			rec := record(i)
			if i == bad {
				rec = append(rec, '!')
			}
			if !yield(i, Leaf(rec)) {
				return
			}
		}
	}
}

// storedSeq yields s's hashes in storage-index order.
func storedSeq(s *memStore) iter.Seq2[int64, tlog.Hash] {
	return func(yield func(int64, tlog.Hash) bool) {
		for i := int64(0); ; i++ {
			h, ok := s.h[i]
			if !ok || !yield(i, h) {
				return
			}
		}
	}
}

func TestRebuild(t *testing.T) {
	for _, n := range []int64{0, 1, 2, 3, 5, 8, 13, 100, 257, 1000} {
		s := newMemStore()
		root := mustAppend(t, s, 0, n, 37)
		size, got, err := Rebuild(leafSeq(n, -1))
		if err != nil {
			t.Fatal(err)
		}
		if size != n || got != root {
			t.Fatalf("Rebuild(%d leaves) = %d, %v, want %d, %v", n, size, got, n, root)
		}
		if n > 0 {
			if _, got, _ := Rebuild(leafSeq(n, n/2)); got == root {
				t.Fatalf("Rebuild with leaf %d changed gives the same root", n/2)
			}
		}
	}

	t.Run("OutOfOrder", func(t *testing.T) {
		seq := func(yield func(int64, tlog.Hash) bool) {
			_ = yield(0, Leaf(record(0))) && yield(2, Leaf(record(2)))
		}
		_, _, err := Rebuild(seq)
		var m *Mismatch
		if !errors.As(err, &m) || m.Index != 1 {
			t.Fatalf("Rebuild(0, 2) = %v, want Mismatch at 1", err)
		}
	})
}

func TestVerifyAll(t *testing.T) {
	const N = 1000
	s := newMemStore()
	var cps []Checkpoint
	prev := int64(0)
	for _, end := range []int64{100, 250, 600, N} {
		root := mustAppend(t, s, prev, end, 64)
		cps = append(cps, Checkpoint{Origin: DefaultOrigin, Size: end, Root: root})
		prev = end
	}

	t.Run("OK", func(t *testing.T) {
		if err := VerifyAll(leafSeq(N, -1), storedSeq(s), cps...); err != nil {
			t.Fatal(err)
		}
		if err := VerifyAll(leafSeq(N, -1), nil, cps[len(cps)-1]); err != nil {
			t.Fatalf("without stored hashes: %v", err)
		}
		if err := VerifyAll(leafSeq(N, -1), storedSeq(s)); err != nil {
			t.Fatalf("without checkpoints: %v", err)
		}
	})

	wantMismatch := func(t *testing.T, err error, index, storedIndex, size int64) {
		t.Helper()
		var m *Mismatch
		if !errors.As(err, &m) {
			t.Fatalf("VerifyAll = %v, want *Mismatch", err)
		}
		if got := credit.ErrorCode(err); got != credit.EINVALID {
			t.Errorf("ErrorCode = %q, want %q", got, credit.EINVALID)
		}
		if msg := credit.ErrorMessage(err); !strings.Contains(msg, m.Reason) {
			t.Errorf("ErrorMessage = %q, want it to contain %q", msg, m.Reason)
		}
		if m.Index != index || m.StoredIndex != storedIndex || m.Size != size {
			t.Fatalf("Mismatch{Index %d, StoredIndex %d, Size %d}, want {%d, %d, %d} (%s)",
				m.Index, m.StoredIndex, m.Size, index, storedIndex, size, m.Reason)
		}
	}

	t.Run("ChangedRecord", func(t *testing.T) {
		err := VerifyAll(leafSeq(N, 321), storedSeq(s), cps...)
		wantMismatch(t, err, 321, tlog.StoredHashIndex(0, 321), 0)
	})
	t.Run("ChangedRecordNoStored", func(t *testing.T) {
		err := VerifyAll(leafSeq(N, 321), nil, cps...)
		wantMismatch(t, err, 250, -1, 600)
	})
	t.Run("ChangedStoredHash", func(t *testing.T) {
		c := clone(s)
		idx := tlog.StoredHashIndex(3, 40) // subtree of leaves 320..327
		c.h[idx] = Leaf([]byte("forged"))
		err := VerifyAll(leafSeq(N, -1), storedSeq(c), cps...)
		wantMismatch(t, err, 327, idx, 0) // stored with leaf 327, which completes it
	})
	t.Run("RewrittenTree", func(t *testing.T) {
		// Record 321 changed and the hash table rebuilt to match it: only the
		// checkpoints notice, and they bound the change to [250, 600).
		c := newMemStore()
		a := NewAppender(context.Background(), c, 0)
		for _, h := range leafSeq(N, 321) {
			_, stored, err := a.Append(h)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range stored {
				c.h[st.Index] = st.Hash
			}
		}
		err := VerifyAll(leafSeq(N, 321), storedSeq(c), cps...)
		wantMismatch(t, err, 250, -1, 600)
	})
	t.Run("MissingStoredHash", func(t *testing.T) {
		c := clone(s)
		idx := tlog.StoredHashIndex(0, 500)
		delete(c.h, idx)
		err := VerifyAll(leafSeq(N, -1), storedSeq(c), cps...)
		wantMismatch(t, err, 500, idx, 0)
	})
	t.Run("ExtraStoredHash", func(t *testing.T) {
		err := VerifyAll(leafSeq(N-1, -1), storedSeq(s))
		wantMismatch(t, err, N-1, tlog.StoredHashIndex(0, N-1), 0)
	})
	t.Run("MissingRecords", func(t *testing.T) {
		err := VerifyAll(leafSeq(N-1, -1), nil, cps...)
		wantMismatch(t, err, N-1, -1, N)
	})
	t.Run("Unsorted", func(t *testing.T) {
		err := VerifyAll(leafSeq(N, -1), nil, cps[1], cps[0])
		if got := credit.ErrorCode(err); got != credit.EINVALID {
			t.Fatalf("code = %q, want %q", got, credit.EINVALID)
		}
	})
}

func clone(s *memStore) *memStore {
	c := newMemStore()
	for k, v := range s.h {
		c.h[k] = v
	}
	return c
}

// benchLeaves returns n distinct leaf hashes.
func benchLeaves(n int) []tlog.Hash {
	leaves := make([]tlog.Hash, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range leaves {
		binary.LittleEndian.PutUint64(leaves[i][:], r.Uint64())
		binary.LittleEndian.PutUint64(leaves[i][8:], uint64(i))
	}
	return leaves
}

func BenchmarkAppend(b *testing.B) {
	leaves := benchLeaves(1 << 16)
	a := NewAppender(context.Background(), newMemStore(), 0)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, _, err := a.Append(leaves[i&(1<<16-1)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
}

const benchN = 1_000_000

func BenchmarkRebuild(b *testing.B) {
	leaves := benchLeaves(benchN)
	seq := func(yield func(int64, tlog.Hash) bool) {
		for i, h := range leaves {
			if !yield(int64(i), h) {
				return
			}
		}
	}
	for b.Loop() {
		if n, _, err := Rebuild(seq); err != nil || n != benchN {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(b.N)*benchN/b.Elapsed().Seconds(), "leaves/s")
}

func BenchmarkVerifyAll(b *testing.B) {
	leaves := benchLeaves(benchN)
	var stored []tlog.Hash
	a := NewAppender(context.Background(), newMemStore(), 0)
	for _, h := range leaves {
		_, st, err := a.Append(h)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range st {
			stored = append(stored, s.Hash)
		}
	}
	root, _ := a.Root()
	leafSeq := func(yield func(int64, tlog.Hash) bool) {
		for i, h := range leaves {
			if !yield(int64(i), h) {
				return
			}
		}
	}
	storedSeq := func(yield func(int64, tlog.Hash) bool) {
		for i, h := range stored {
			if !yield(int64(i), h) {
				return
			}
		}
	}
	cp := Checkpoint{Size: benchN, Root: root}
	for b.Loop() {
		if err := VerifyAll(leafSeq, storedSeq, cp); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*benchN/b.Elapsed().Seconds(), "leaves/s")
}
