// Command servicepulse runs the after-sales service quality pipeline:
// Kafka → transform → ClickHouse → KPIs, dashboards and reports.
// Run `servicepulse help` for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"servicepulse/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// A CPU profile of the command explains the benchmark numbers.
	err := cli.Profiled(os.Getenv("SERVICEPULSE_CPU_PROFILE"), func() error { return app.Run(ctx, os.Args[1:]) })
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "servicepulse:", err)
		os.Exit(cli.ExitCode(err)) // 2: usage error; a cli.ExitStatus's code; else 1
	}
}
