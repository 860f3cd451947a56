package quality

import (
	"encoding/json"
	"fmt"
	"os"
)

// Reference is the schema of examples/data/sklearn_reference.json.
type Reference struct {
	Command        string                `json:"command"`
	SklearnVersion string                `json:"sklearn_version"`
	Split          string                `json:"split"`
	Datasets       map[string]DatasetRef `json:"datasets"`
}

// DatasetRef holds one data set's batch model and held-out scores. Binary
// sets fill Accuracy, LogLoss and AUC; regression sets RMSE and R2.
type DatasetRef struct {
	File        string  `json:"file"`
	Task        string  `json:"task"` // "binary" or "regression"
	LabelColumn string  `json:"label_column"`
	Model       string  `json:"model"`
	NTrain      int     `json:"n_train"`
	NTest       int     `json:"n_test"`
	Accuracy    float64 `json:"accuracy"`
	LogLoss     float64 `json:"log_loss"`
	AUC         float64 `json:"auc"`
	RMSE        float64 `json:"rmse"`
	R2          float64 `json:"r2"`
}

// ReadReference reads and decodes the reference file at path.
func ReadReference(path string) (*Reference, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("quality: %w", err)
	}
	var ref Reference
	if err := json.Unmarshal(b, &ref); err != nil {
		return nil, fmt.Errorf("quality: %s: %w", path, err)
	}
	return &ref, nil
}
