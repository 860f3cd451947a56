package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// ModelHash is the hex SHA-256 (first 16 digits) of a model's config after
// defaults, its checkpoint settings aside (Model.Checkpoints is not
// marshalled), and of the pipeline's feature
// names: two versions with the same hash were trained under the same
// settings on the same features.
func (c *Pipeline) ModelHash(m Model) (string, error) {
	names, _ := c.inputSpec().FeatureNames() // nil when the header decides
	data, err := json.Marshal(struct {
		Model    Model
		Features []string
	}{m, names})
	if err != nil {
		return "", fmt.Errorf("config: hash of model %s: %w", m.Name, err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8]), nil
}
