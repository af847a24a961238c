package procnet

import (
	"net"
	"os"
	"testing"
)

func TestListensOn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if ok, err := ListensOn(os.Getpid(), port); err != nil || !ok {
		t.Errorf("own listener: %v, %v; want true", ok, err)
	}
	if ok, err := ListensOn(os.Getppid(), port); err != nil || ok {
		t.Errorf("parent's view of our listener: %v, %v; want false", ok, err)
	}
	ln.Close()
	if ok, err := ListensOn(os.Getpid(), port); err != nil || ok {
		t.Errorf("closed listener: %v, %v; want false", ok, err)
	}
}
