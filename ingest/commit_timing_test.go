package ingest_test

import (
	"context"
	"encoding/json"
	"testing"

	"groundtruth/ingest"
	"groundtruth/journal"
)

// BenchmarkCommit measures durable group commit on the embedded journal (fsync every
// event) with 256 concurrent producers, each committing a 10-record SenML pack (about
// 430 bytes); one op is one acknowledged pack.
func BenchmarkCommit(b *testing.B) {
	j, err := journal.Open(context.Background(), journal.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	c := ingest.NewCommitter(j, ingest.CommitterOptions{Type: "readings.record"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	pack := json.RawMessage(`[{"bn":"urn:dev:cell-1:","bt":1767225600,"n":"mass","u":"kg","v":1250.5},{"t":1,"v":1250.6},{"t":2,"v":1250.4},{"t":3,"v":1250.5},{"t":4,"v":1250.7},{"t":5,"v":1250.5},{"t":6,"v":1250.3},{"t":7,"v":1250.5},{"t":8,"v":1250.6},{"t":9,"v":1250.5}]`)
	b.SetBytes(int64(len(pack)))
	b.ReportAllocs()
	b.SetParallelism(128) // 128 x GOMAXPROCS producers
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Commit(context.Background(), ingest.Item{Tenant: "bank-a", Data: pack}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	last, _ := j.LastSeq(context.Background())
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packs/s")
	b.ReportMetric(float64(b.N)*10/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.N)/float64(last), "packs/event")
}
