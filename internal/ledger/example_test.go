package ledger_test

import (
	"context"
	"fmt"
	"log"

	"golang.org/x/mod/sumdb/tlog"

	"jlcredit/internal/ledger"
)

// hashTable stands in for the ledger_hash table.
type hashTable map[int64]tlog.Hash

func (t hashTable) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := t[idx]
		if !ok {
			return nil, fmt.Errorf("hash %d not stored", idx)
		}
		out[i] = h
	}
	return out, nil
}

// An ingest transaction appends its record versions and signs a checkpoint;
// later anyone checks a proof with tlog alone.
func Example() {
	ctx := context.Background()
	table := hashTable{}
	skey, vkey, err := ledger.GenerateKey(ledger.DefaultOrigin)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		log.Fatal(err)
	}

	// In the ingest transaction, under the ledger lock:
	a := ledger.NewAppender(ctx, table, 0) // 0 = current size, read from the database
	for _, canonical := range []string{"version 1 of record A", "version 1 of record B", "version 2 of record A"} {
		_, stored, err := a.Append(ledger.Leaf([]byte(canonical)))
		if err != nil {
			log.Fatal(err)
		}
		for _, s := range stored {
			table[s.Index] = s.Hash // INSERT INTO ledger_hash
		}
	}
	root, err := a.Root()
	if err != nil {
		log.Fatal(err)
	}
	note, err := signer.Sign(ledger.DefaultOrigin, a.Size(), root) // INSERT INTO ledger_checkpoint
	if err != nil {
		log.Fatal(err)
	}

	// Later, anyone with the verifier key:
	cp, err := ledger.OpenCheckpoint(note, vkey)
	if err != nil {
		log.Fatal(err)
	}
	p, err := ledger.ProveInclusion(ctx, table, cp.Size, 1)
	if err != nil {
		log.Fatal(err)
	}
	leaf := tlog.RecordHash([]byte("version 1 of record B"))
	fmt.Println(cp.Origin, cp.Size, tlog.CheckRecord(p.Hashes, cp.Size, cp.Root, 1, leaf) == nil)
	// Output: jl.credit.gov.cn/ledger 3 true
}
