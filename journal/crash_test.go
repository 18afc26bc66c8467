package journal_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"groundtruth/journal"
)

// crashDirEnv, when set, makes TestCrashDurability the child that appends into that dir.
const crashDirEnv = "GT_JOURNAL_CRASH_DIR"

// TestCrashDurability runs a child process that appends to an embedded journal and prints
// every acknowledged event, kills it with SIGKILL, and checks that the reopened journal
// holds every acknowledged event exactly once, at its acknowledged sequence.
func TestCrashDurability(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		appendUntilKilled(dir)
		return
	}
	const wantAcks = 300
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashDurability$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	// Read acks, kill the child once enough have arrived, then read the acks it printed
	// before dying.
	type ack struct {
		id  string
		seq uint64
	}
	var acks []ack
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "ack" {
			continue
		}
		seq, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			t.Fatalf("child printed %q: %v", sc.Text(), err)
		}
		acks = append(acks, ack{f[1], seq})
		if len(acks) >= wantAcks && !killed {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatalf("kill child: %v", err)
			}
			killed = true
		}
	}
	werr := cmd.Wait()
	if !killed {
		t.Fatalf("child stopped after %d acks: %v\n%s", len(acks), werr, stderr.String())
	}

	j := open(t, dir)
	last := lastSeq(t, j)
	if last < uint64(len(acks)) {
		t.Fatalf("LastSeq after crash = %d, below the %d acknowledged events", last, len(acks))
	}
	seen := map[string]uint64{}
	for _, ev := range consume(t, j, 1, int(last)) {
		if prev, ok := seen[ev.ID]; ok {
			t.Fatalf("event %s at sequences %d and %d", ev.ID, prev, ev.Seq)
		}
		seen[ev.ID] = ev.Seq
	}
	var prev uint64
	for i, a := range acks {
		seq, ok := seen[a.id]
		switch {
		case !ok:
			t.Fatalf("acknowledged event %d (%s, sequence %d) is lost", i, a.id, a.seq)
		case seq != a.seq:
			t.Fatalf("acknowledged event %s at sequence %d, acknowledged as %d", a.id, seq, a.seq)
		case seq <= prev:
			t.Fatalf("acknowledged event %s at sequence %d, not after %d", a.id, seq, prev)
		}
		prev = seq
	}
	t.Logf("%d events acknowledged before SIGKILL, %d in the journal after", len(acks), last)
}

// appendUntilKilled appends batches of 1 to 5 events to the journal in dir, printing
// "ack ID SEQ" for each acknowledged event, until the process is killed.
func appendUntilKilled(dir string) {
	ctx := context.Background()
	j, err := journal.Open(ctx, journal.Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	for b := 0; ; b++ {
		evs := events(fmt.Sprintf("crash%d", b), 1+b%5)
		seqs, err := j.Append(ctx, evs)
		if err != nil {
			fmt.Fprintln(os.Stderr, "append:", err)
			os.Exit(2)
		}
		for i, seq := range seqs {
			fmt.Fprintf(w, "ack %s %d\n", evs[i].ID, seq)
		}
		if err := w.Flush(); err != nil {
			os.Exit(3) // the parent is gone
		}
	}
}
