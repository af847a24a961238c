package main

import (
	"context"
	"fmt"

	ldclient "livedash/client"
	"livedash/models"
)

// control is the run's own connection, for the snapshot and the seeding
// before the load and the final seq after it. It lives only that long: a
// connection open through the run would receive every event too, and the
// CPU spent on it would be taken from the load.
type control struct {
	c *ldclient.Client
}

func dialControl(ctx context.Context, addr, runID string) (*control, error) {
	c, err := ldclient.Dial(ctx, "http://"+addr, ldclient.Options{Name: "loadgen-" + runID})
	if err != nil {
		return nil, err
	}
	return &control{c: c}, nil
}

func (ct *control) close() { ct.c.Close() }

func (ct *control) state(ctx context.Context) (models.State, error) {
	st, err := ct.c.State(ctx)
	if err != nil {
		return st, fmt.Errorf("state.get: %w", err)
	}
	return st, nil
}

// finalState reads the state over a connection of its own, after the load.
func finalState(ctx context.Context, addr, runID string) (models.State, error) {
	ct, err := dialControl(ctx, addr, runID)
	if err != nil {
		return models.State{}, err
	}
	defer ct.close()
	return ct.state(ctx)
}
