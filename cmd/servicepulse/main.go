// Command servicepulse runs the after-sales service quality pipeline:
// Kafka → transform → ClickHouse → KPIs, dashboards and reports.
// Run `servicepulse help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := profiled(func() error { return run(ctx, os.Args[1:]) })
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "servicepulse:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		var e exitStatus
		if errors.As(err, &e) {
			os.Exit(e.code)
		}
		os.Exit(1)
	}
}

// profiled runs f under a CPU profile written to $SERVICEPULSE_CPU_PROFILE,
// when that is set: how the benchmark numbers are explained.
func profiled(f func() error) error {
	path := os.Getenv("SERVICEPULSE_CPU_PROFILE")
	if path == "" {
		return f()
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer pprof.StopCPUProfile()
	return f()
}
