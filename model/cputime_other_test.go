//go:build !unix

package model

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
