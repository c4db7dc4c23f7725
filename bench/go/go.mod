module timerx-gobench

go 1.19

require timerx v0.0.0

// The package from this tree: nothing is downloaded.
replace timerx => ../../lib/go
