// SPDX-License-Identifier: MIT

//go:build race

package timerx

const raceEnabled = true
