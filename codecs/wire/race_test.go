//go:build race

package wire

// raceEnabled: the race detector allocates on its own, so allocation
// counts are not checked under it (as in the standard library's tests).
const raceEnabled = true
