package model

import "errors"

// Errors returned by the model, wrapped with details; test them with
// errors.Is.
var (
	// ErrShape: a feature vector or output slice of the wrong length.
	ErrShape = errors.New("model: shape mismatch")
	// ErrValue: a feature that is NaN or infinite.
	ErrValue = errors.New("model: invalid feature value")
	// ErrLabel: a NaN or infinite label, or a class out of range.
	ErrLabel = errors.New("model: invalid label")
	// ErrMismatch: models or encoded state of different configs.
	ErrMismatch = errors.New("model: config mismatch")
	// ErrCorrupt: encoded state that cannot be decoded.
	ErrCorrupt = errors.New("model: corrupt state")
)
