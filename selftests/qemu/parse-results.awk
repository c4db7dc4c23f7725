# Turn the guest's result channel (ttyS1) into records for run-tests.sh,
# fields separated by \037 (unit separator: TAP text may contain tabs):
#   R bin pass|fail|skip description     one TAP result of a test binary
#   D line                                output that preceded a failed result
#   E bin rc plan count fails             a binary ended (plan -1: none seen)
#   X bin                                 a binary began and never ended
#   I rc | U rc how | O text | K release | M nonce
# Only the test binaries' own TAP is parsed here; dmesg and kmemleak are
# grepped by the caller.
BEGIN { FS = "\n"; S = "\037"; bin = ""; skipping = 0 }
{ sub(/\r$/, "") }

function flush_diag(   i, from) {
	from = nbuf > 40 ? nbuf - 40 : 0
	for (i = from; i < nbuf; i++) print "D" S buf[i]
	nbuf = 0
}

/^### timerx-(dmesg|kmemleak)-begin/ { skipping = 1; next }
/^### timerx-(dmesg|kmemleak)-end/ { skipping = 0; next }
skipping { next }

/^### timerx-boot / { print "K" S $0; next }
/^### timerx-insmod rc=/ { sub(/^### timerx-insmod rc=/, ""); print "I" S $0; after = "I"; next }
/^### timerx-rmmod rc=/ {
	sub(/^### timerx-rmmod rc=/, "")
	split($0, f, " ")
	print "U" S f[1] S f[2]; after = "U"; next
}
/^### timerx-done / { sub(/^### timerx-done /, ""); print "M" S $0; next }
/^### timerx-begin / {
	bin = substr($0, 18); plan = -1; count = 0; fails = 0; nbuf = 0
	after = ""
	next
}
/^### timerx-end / {
	n = split($0, f, " ")
	rc = f[n]; sub(/^rc=/, "", rc)
	if (rc != 0 && rc != 4) flush_diag()
	print "E" S bin S rc S plan S count S fails
	bin = ""; nbuf = 0
	next
}

bin != "" {
	if ($0 ~ /^1\.\.[0-9]+/) { plan = substr($0, 4) + 0; next }
	if ($0 ~ /^TAP version/) next
	if ($0 ~ /^(not )?ok [0-9]+/ || $0 ~ /^(not )?ok( |$)/) {
		status = "pass"
		desc = $0
		sub(/^(not )?ok( [0-9]+)? ?(- )?/, "", desc)
		low = tolower(desc)
		if ($0 ~ /^not /) {
			status = (low ~ /# *todo/) ? "skip" : "fail"
		} else if (low ~ /# *skip/) {
			status = "skip"
		}
		count++
		if (status == "fail") { fails++; flush_diag() }
		nbuf = 0
		print "R" S bin S status S desc
		next
	}
	if ($0 ~ /^Bail out!/) {
		fails++; flush_diag()
		print "R" S bin S "fail" S $0
		next
	}
	buf[nbuf++] = $0
	next
}

# Output of insmod/rmmod follows their marker line.
after != "" && $0 != "" { print "O" S after S $0 }

END {
	if (bin != "") { flush_diag(); print "X" S bin }
}
