package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/overshare/overshare/internal/cli"
)

func main() {
	// The first SIGINT/SIGTERM cancels the context so the run stops and
	// reports what it has (exit 3). Handling is then reset, so a second
	// signal kills the process at once if stopping hangs.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }()
	err := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode(err))
}
