package main

import (
	"fmt"
	"time"

	"groundtruth/sim"
)

type demoCmd struct {
	Once bool   `help:"Exit after the detection table, with status 1 when a scenario failed."`
	HTTP string `name:"http" help:"HTTP listen address; a free port when it is taken." default:":8080" placeholder:"ADDR"`
	MQTT string `name:"mqtt" help:"MQTT listen address; a free port when it is taken." default:":1883" placeholder:"ADDR"`
	Seed uint64 `help:"Seed every scenario with this instead of its own seed (0: their own)."`
}

func (c *demoCmd) Run(e *env) error {
	scs, err := zooScenarios()
	if err != nil {
		return err
	}
	reseed(scs, c.Seed)
	srv, err := startSimServer(e, c.HTTP, c.MQTT)
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(e.stdout, "groundtruth demo: the fraud zoo, %d scenarios, on a simulated clock\n  dashboard %s/\n  API   %s/api/v1\n  MQTT  tcp://%s\n\n",
		len(scs), srv.API(), srv.API(), srv.MQTT())
	started := time.Now()
	rep, err := sim.Play(e.ctx, srv, scs, sim.Options{Progress: progressBar(e.stderr)})
	if err != nil {
		return err
	}
	if err := rep.WriteText(e.stdout); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Simulated %s in %s.\n", rep.End.Sub(rep.Start), time.Since(started).Round(100*time.Millisecond))
	if c.Once {
		if !rep.Passed() {
			return errExpectations
		}
		return nil
	}
	srv.clock.Run()
	fmt.Fprintf(e.stdout, "\nServing the demo portfolio until Ctrl-C. Each scenario's tenants have an admin API key:\n")
	for _, s := range srv.keys() {
		fmt.Fprintf(e.stdout, "  %-28s %s\n", s[0], s[1])
	}
	fmt.Fprintf(e.stdout, "For example:\n  curl -s '%s/api/v1/alerts?state=firing' -H 'Authorization: Bearer %s'\n", srv.API(), firstKey(srv))
	select {
	case <-e.ctx.Done():
	case err := <-srv.errc:
		return err
	}
	return nil
}

func firstKey(s *simServer) string {
	if ks := s.keys(); len(ks) > 0 {
		return ks[0][1]
	}
	return ""
}
