// Package redistest starts a real redis-server (Debian's package) for a
// test, on a free loopback port, and stops it when the test ends.
package redistest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Start runs redis-server for t and returns its URL. Without
// redis-server the test is skipped with a note, unless
// ALSBOT_REDIS_TEST=require (CI), where it fails.
func Start(t testing.TB) string {
	t.Helper()
	exe, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "no redis-server (apt-get install -y redis-server): skipping the Redis tests"
		if os.Getenv("ALSBOT_REDIS_TEST") == "require" {
			t.Fatal(msg + "; they are required here")
		}
		t.Skip(msg)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(exe, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "redis://" + addr + "/0"
}
