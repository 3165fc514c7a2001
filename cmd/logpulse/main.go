// Command logpulse is real-time log analytics on Kafka: see README.md and docs/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "logpulse:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2) // a refused command line, as the flag package exits
		}
		os.Exit(1)
	}
}
