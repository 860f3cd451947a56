package config

import "fmt"

// API configures the HTTP API of `streamsgd run --http` (package httpapi).
type API struct {
	// Token is the bearer token the API's write endpoints (pin, unpin)
	// require; $STREAMSGD_API_TOKEN replaces it when set. Without a token
	// they are refused. Default "" (read-only API).
	Token string `yaml:"token"`
	// MaxBodyKB bounds a request body, in KiB. Default 1024.
	MaxBodyKB int `yaml:"max_body_kb"`
	// MaxRows bounds the rows of one score request. Default 1000.
	MaxRows int `yaml:"max_rows"`
}

// Defaults of API.
const (
	DefaultAPIMaxBodyKB = 1024
	DefaultAPIMaxRows   = 1000
)

// APITokenEnv is the environment variable that replaces api.token.
const APITokenEnv = "STREAMSGD_API_TOKEN"

func (a *API) ensureDefaults() {
	setZero(&a.MaxBodyKB, DefaultAPIMaxBodyKB)
	setZero(&a.MaxRows, DefaultAPIMaxRows)
}

func (c *Pipeline) validateAPI() error {
	switch a := c.API; {
	case a.MaxBodyKB < 1 || a.MaxBodyKB > 1<<20:
		return c.fieldError("api.max_body_kb", "must be in [1, 1048576], got %d", a.MaxBodyKB)
	case a.MaxRows < 1:
		return c.fieldError("api.max_rows", "must be >= 1, got %d", a.MaxRows)
	case len(a.Token) > 0 && len(a.Token) < MinAPITokenLen:
		return c.fieldError("api.token", "must be at least %d characters, got %d", MinAPITokenLen, len(a.Token))
	}
	return nil
}

// MinAPITokenLen is the shortest API token accepted, from the config or
// the environment.
const MinAPITokenLen = 16

// APIToken is the API's token: $STREAMSGD_API_TOKEN when set (lookup
// reads the environment), else api.token. A token from the environment
// must be as long as one from the config (validated when loaded).
func (c *Pipeline) APIToken(lookup func(string) (string, bool)) (string, error) {
	if v, ok := lookup(APITokenEnv); ok && v != "" {
		if len(v) < MinAPITokenLen {
			return "", fmt.Errorf("config: $%s must be at least %d characters, got %d", APITokenEnv, MinAPITokenLen, len(v))
		}
		return v, nil
	}
	return c.API.Token, nil
}
