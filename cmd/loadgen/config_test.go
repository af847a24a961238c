package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestCheckAddr(t *testing.T) {
	ok := []string{"127.0.0.1:3000", "127.1.2.3:80", "localhost:3000", "LOCALHOST:1", "[::1]:3000"}
	bad := []string{"10.0.0.1:3000", "192.168.1.2:3000", "8.8.8.8:53", "example.com:80", "0.0.0.0:3000",
		":3000", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:http", "[::]:3000"}
	for _, a := range ok {
		if err := checkAddr(a, false); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for _, a := range bad {
		if err := checkAddr(a, false); err == nil {
			t.Errorf("%s: accepted without --allow-remote", a)
		}
	}
	if err := checkAddr("10.0.0.1:3000", true); err != nil {
		t.Errorf("--allow-remote: %v", err)
	}
	if err := checkAddr(":3000", true); err == nil {
		t.Error("empty host accepted")
	}
}

func TestParseFlagsDefaults(t *testing.T) {
	c, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:3000" || c.Listeners != 100 || c.Writers != 4 || c.Name != "l100-w4" ||
		c.Deadline != 10*time.Second+2*10*time.Second+30*time.Second+104*5*time.Millisecond || c.Mix.total != 100 {
		t.Errorf("defaults: %+v", c)
	}
	c, err = parseFlags(strings.Fields("--listeners 50 --writers 2 --duration 5s --ramp 2s --name s1 --rate 100 --json --mix increment=1"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listeners != 50 || c.Writers != 2 || c.Name != "s1" || c.Rate != 100 || !c.JSON ||
		c.Deadline != 2*time.Second+5*time.Second+20*time.Second+30*time.Second+52*5*time.Millisecond {
		t.Errorf("parsed: %+v", c)
	}
	c, err = parseFlags(strings.Fields("--listeners 0 --writers 0 --readers 8"), io.Discard)
	if err != nil {
		t.Fatalf("readers only: %v", err)
	}
	if c.Readers != 8 || c.MaxReads != 5_000_000 || c.Name != "l0-w0-r8" {
		t.Errorf("readers: %+v", c)
	}
}

func TestParseFlagsRejects(t *testing.T) {
	for _, args := range []string{
		"--addr 10.1.1.1:3000", "--listeners -1", "--listeners 0 --writers 0", "--listeners 30000",
		"--rate -1", "--depth 0", "--duration 0s", "--ramp -1s", "--batch 0", "--batch 5000",
		"--mix nope=1", "--max-mutations 0", "extra-arg", "--duration 65m",
		"--readers -1", "--readers 1001", "--max-reads 0", "--listeners 0 --writers 0 --readers 0",
	} {
		if _, err := parseFlags(strings.Fields(args), io.Discard); err == nil {
			t.Errorf("%q: accepted", args)
		}
	}
}

func TestCheckFDLimit(t *testing.T) {
	if err := checkFDLimit(10); err != nil {
		t.Errorf("10 connections: %v", err)
	}
	if err := checkFDLimit(1 << 40); err == nil {
		t.Error("an absurd number of connections should not fit")
	}
}
