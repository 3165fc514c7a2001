//go:build !race

package httpapi_test

// raceEnabled: the race detector slows the million-service test tenfold.
const raceEnabled = false
