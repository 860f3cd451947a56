package main

import "time"

// idleTimeout ends a tail without --follow once no record came for this long.
const idleTimeout = 3 * time.Second
