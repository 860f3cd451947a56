package httpapi

import (
	"embed"
	"io/fs"
	"net/http"
)

// web holds the dashboard: one page, its script and its style, drawn
// with SVG by the script itself (no library, no other host).
//
//go:embed web
var web embed.FS

func (s *Server) dashboard(m *http.ServeMux) {
	files, _ := fs.Sub(web, "web") // "web" is embedded above: cannot fail
	static := http.FileServerFS(files)
	m.Handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		static.ServeHTTP(w, r)
	}))
}
