package app

import (
	"errors"
	"sync/atomic"
)

// readiness is the one readiness model of a process: every stage it runs
// holds a gate, and /readyz is ready when every gate is open, else it
// names the first one that is not.
type readiness struct{ gates []*gate }

// gate adds a stage's gate, shut until the stage opens it; notReady is what
// /readyz says while it is shut.
func (r *readiness) gate(notReady string) *gate {
	g := &gate{notReady: notReady}
	r.gates = append(r.gates, g)
	return g
}

// err is nil when every gate is open.
func (r *readiness) err() error {
	for _, g := range r.gates {
		if err := g.err(); err != nil {
			return err
		}
	}
	return nil
}

// A gate is one stage's readiness. A stage opens it once its runner is
// live, with a check for what "ready" means for it (the table recovered,
// the broker writing), and shuts it when the runner returns, so a stage
// restarting under Supervise is not ready.
type gate struct {
	notReady string
	check    atomic.Pointer[func() error]
}

// open marks the stage live; check (nil: always) reports whether it is
// ready.
func (g *gate) open(check func() error) {
	if check == nil {
		check = func() error { return nil }
	}
	g.check.Store(&check)
}

// openWhen opens the gate with a check that is ready while ok reports true.
func (g *gate) openWhen(ok func() bool) {
	g.open(func() error {
		if !ok() {
			return errors.New(g.notReady)
		}
		return nil
	})
}

// shut marks the stage not running.
func (g *gate) shut() { g.check.Store(nil) }

func (g *gate) err() error {
	c := g.check.Load()
	if c == nil {
		return errors.New(g.notReady)
	}
	return (*c)()
}

func (g *gate) ready() bool { return g.err() == nil }
