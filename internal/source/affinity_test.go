package source

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestRouteKeepsKeysTogether: while every worker is busy, jobs of one key
// all go to one worker; every job is delivered exactly once.
func TestRouteKeepsKeysTogether(t *testing.T) {
	ctx := context.Background()
	in := make(chan job)
	qs, run := route(ctx, in, 2, func(j job) string { return j.display })
	done := make(chan error, 1)
	go func() { done <- run() }()
	keys := []string{"a.go", "b.go", "c.go", "d.go", "e.go", "f.go"}
	for i := range 60 {
		in <- job{display: keys[i%len(keys)], blob: fmt.Sprint(i)}
	}
	close(in)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	where := map[string]int{}
	seen := map[string]bool{}
	for w, q := range qs {
		for j := range q.own {
			if seen[j.blob] {
				t.Fatalf("job %s delivered twice", j.blob)
			}
			seen[j.blob] = true
			if prev, ok := where[j.display]; ok && prev != w {
				t.Errorf("%s went to workers %d and %d", j.display, prev, w)
			}
			where[j.display] = w
		}
	}
	if len(seen) != 60 {
		t.Errorf("%d jobs delivered, want 60", len(seen))
	}
	if _, ok := <-qs[0].spill; ok {
		t.Error("a job went to the spill channel while no worker waited")
	}
}

// TestRouteSpillsToIdleWorker: when one path's worker is full, a worker
// that waits for work gets the job instead of staying idle.
func TestRouteSpillsToIdleWorker(t *testing.T) {
	ctx := context.Background()
	in := make(chan job)
	qs, run := route(ctx, in, 2, func(j job) string { return j.display })
	go run()
	// Fill the own channel of "a.go"'s worker without anyone reading it.
	for i := range 64 {
		in <- job{display: "a.go", blob: fmt.Sprint(i)}
	}
	busy := -1
	for deadline := time.Now().Add(10 * time.Second); busy < 0 && time.Now().Before(deadline); {
		for w, q := range qs {
			if len(q.own) == 64 { // the router may still hold the last one
				busy = w
			}
		}
		time.Sleep(time.Millisecond)
	}
	if busy < 0 {
		t.Fatal("the 64 jobs of one path are not all in one worker's channel")
	}
	idle := qs[1-busy]
	got := make(chan job, 1)
	go func() {
		j, _, _ := idle.next(ctx)
		got <- j
	}()
	in <- job{display: "a.go", blob: "64"}
	select {
	case j := <-got:
		if j.blob != "64" {
			t.Errorf("idle worker got %q, want job 64", j.blob)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the idle worker never got the job that its busy peer could not take")
	}
	close(in)
}
