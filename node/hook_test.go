package node_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	gt "groundtruth"
	"groundtruth/journal"
	"groundtruth/node"
	"groundtruth/sqlite"
)

// TestOnProjected checks that the hook sees each Changes after the store has applied it,
// in sequence order, and a command's changes before the command returns.
func TestOnProjected(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	j, err := journal.Open(ctx, journal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "gt.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var (
		mu   sync.Mutex
		seqs []uint64
		hook []gt.WebhookConfig
		bad  []string
	)
	n, err := node.New(node.Options{Journal: j, Store: s, OnProjected: func(c *gt.Changes) {
		mu.Lock()
		defer mu.Unlock()
		if p, err := s.ProjectedSeq(context.Background()); err != nil || p != c.Seq {
			bad = append(bad, fmt.Sprintf("seq %d: projected %d, %v", c.Seq, p, err))
		}
		seqs = append(seqs, c.Seq)
		hook = append(hook, c.Webhooks...)
	}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	<-n.Ready()
	if _, _, err := n.CreateTenant(ctx, "bank-a", "Bank A"); err != nil {
		t.Fatal(err)
	}
	w := gt.WebhookConfig{URL: "https://bank-a.example/hook"}
	seq, err := n.Command(ctx, gt.EventWebhookPut, "bank-a", "test", w)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(hook) != 1 || hook[0].URL != w.URL || hook[0].TenantID != "bank-a" || hook[0].Seq != seq {
		t.Errorf("hook saw webhooks %+v, want the one put at %d", hook, seq)
	}
	if len(seqs) != 2 || seqs[0] >= seqs[1] || seqs[1] != seq {
		t.Errorf("hook saw sequences %v, want two increasing, the last %d", seqs, seq)
	}
	if len(bad) > 0 {
		t.Errorf("hook called before the store applied the changes: %v", bad)
	}
	mu.Unlock()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
