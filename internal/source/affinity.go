package source

import (
	"context"
	"hash/maphash"
)

// queue is what a worker takes jobs from: its own channel, and, only when
// it has nothing else to do, the spill channel that every worker shares.
type queue struct {
	own   <-chan job
	spill <-chan job // nil when there is none, or once closed
}

// next waits for a job. ok is false when both channels are closed.
func (q *queue) next(ctx context.Context) (j job, ok bool, err error) {
	for q.own != nil || q.spill != nil {
		select {
		case j, ok = <-q.own:
			if ok {
				return j, true, nil
			}
			q.own = nil
		case j, ok = <-q.spill:
			if ok {
				return j, true, nil
			}
			q.spill = nil
		case <-ctx.Done():
			return job{}, false, ctx.Err()
		}
	}
	return job{}, false, nil
}

// poll takes a job from the worker's own channel if one is waiting.
func (q *queue) poll() (j job, ok bool) {
	if q.own == nil {
		return job{}, false
	}
	select {
	case j, ok = <-q.own:
		if !ok {
			q.own = nil
		}
		return j, ok
	default:
		return job{}, false
	}
}

func chanQueue(c <-chan job) *queue { return &queue{own: c} }

// route hands each job of in to the worker that key(job) picks, so that
// the versions of one file go through the same git process: git stores
// them as deltas of each other, and a process that has just inflated one
// version finds the next one's base in its cache. A worker whose own
// channel runs dry takes jobs that would otherwise wait for a busy one,
// so one long run of a single path cannot leave the other workers idle.
// The out channels and spill are closed when in is.
func route(ctx context.Context, in <-chan job, n int, key func(job) string) ([]*queue, func() error) {
	own := make([]chan job, n)
	qs := make([]*queue, n)
	spill := make(chan job) // unbuffered: taken only by a waiting worker
	for i := range own {
		own[i] = make(chan job, 64)
		qs[i] = &queue{own: own[i], spill: spill}
	}
	seed := maphash.MakeSeed()
	run := func() error {
		defer func() {
			for _, c := range own {
				close(c)
			}
			close(spill)
		}()
		for j := range in {
			c := own[maphash.String(seed, key(j))%uint64(n)]
			select {
			case c <- j:
				continue
			default:
			}
			select {
			case c <- j:
			case spill <- j:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	return qs, run
}
