// Command livedash serves the real-time multiplayer dashboard.
package main

import (
	"context"
	"fmt"
	"os"

	"livedash/app"
)

func main() {
	if err := app.Run(context.Background(), os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "livedash:", err)
		os.Exit(1)
	}
}
