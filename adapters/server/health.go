package server

import (
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
)

// Health answers /healthz (the process is alive) and /readyz (it can
// answer: the knowledge base is loaded, the adapters are connected, and
// it is not shutting down).
type Health struct {
	mu       sync.Mutex
	checks   []check
	draining atomic.Bool
}

type check struct {
	name  string
	ready func() bool
}

// Check adds a readiness condition called name.
func (h *Health) Check(name string, ready func() bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks = append(h.checks, check{name, ready})
}

// Drain makes the server report not ready from now on, so a load balancer
// stops sending to it while it finishes its work.
func (h *Health) Drain() { h.draining.Store(true) }

// Live serves /healthz: 200 while the process can serve HTTP at all.
func (h *Health) Live(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

// Ready serves /readyz: 200 when every check passes, else 503 with the
// failing ones named.
func (h *Health) Ready(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	checks := append([]check(nil), h.checks...)
	h.mu.Unlock()
	status := map[string]string{}
	ready := !h.draining.Load()
	if !ready {
		status["server"] = "shutting down"
	}
	for _, c := range checks {
		if c.ready() {
			status[c.name] = "ok"
		} else {
			status[c.name] = "not ready"
			ready = false
		}
	}
	code := http.StatusOK
	if !ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"ready": ready, "checks": status})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
