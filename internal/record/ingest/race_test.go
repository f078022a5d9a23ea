//go:build race

package ingest

// raceEnabled is true when the race detector is on; large tests shrink.
const raceEnabled = true
