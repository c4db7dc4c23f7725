module timerx

// Debian 12's golang-go (tools/install-deps.sh) is Go 1.19: the minimum.
go 1.19
