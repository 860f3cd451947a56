package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkScoreOneRow is the handler's own cost for one JSON row served
// from the latest state (tables in maps: no view, no network).
func BenchmarkScoreOneRow(b *testing.B) {
	f := newFixture(&testing.T{}, "")
	f.tables.states["g"] = f.trained(&testing.T{}, "g", "g", 40)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/score/live", strings.NewReader(`{"features":[1,-1]}`))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		f.srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Body)
		}
	}
}
