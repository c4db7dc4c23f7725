// SPDX-License-Identifier: MIT

package timerx

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The Go mirrors against include/uapi/linux/timerx.h: a C program
// compiled against the header prints every struct's size and every
// tagged field's offset and size, and the constants; Go's view must match.
// Needs a C compiler (build-essential, tools/install-deps.sh).

var uapiStructs = []struct {
	c      string
	goType reflect.Type
}{
	{"timerx_ring_hdr", reflect.TypeOf(ringHdr{})},
	{"timerx_event", reflect.TypeOf(Event{})},
	{"timerx_ring_params", reflect.TypeOf(RingParams{})},
	{"timerx_create", reflect.TypeOf(createArg{})},
	{"timerx_arm", reflect.TypeOf(armArg{})},
	{"timerx_arm_oneshot", reflect.TypeOf(armOneshot{})},
	{"timerx_postpone", reflect.TypeOf(postponeArg{})},
	{"timerx_batch_entry", reflect.TypeOf(batchEntry{})},
	{"timerx_batch", reflect.TypeOf(batchArg{})},
	{"timerx_timer_ref", reflect.TypeOf(timerRef{})},
	{"timerx_timer_info", reflect.TypeOf(TimerInfo{})},
	{"timerx_ctx_info", reflect.TypeOf(CtxInfo{})},
}

// C expression -> the Go value it must equal.
var uapiConstants = map[string]uint64{
	"TIMERX_API_VERSION":        APIVersion,
	"TIMERX_MMAP_OFF_RING":      mmapOffRing,
	"TIMERX_RING_MIN_ENTRIES":   ringMinEntries,
	"TIMERX_RING_F_OVERFLOW":    ringFlagOverflow,
	"TIMERX_CONSUMER_F_POLLING": consumerFlagPolling,
	"TIMERX_CREATE_F_SOFT":      uint64(CreateSoft),
	"TIMERX_CREATE_F_PINNED":    uint64(CreatePinned),
	"TIMERX_CREATE_F_HARD":      uint64(CreateHard),
	"TIMERX_ARM_F_ABS":          armFlagAbs,
	"TIMERX_TIMER_IDLE":         uint64(TimerIdle),
	"TIMERX_TIMER_ARMED":        uint64(TimerArmed),
	"TIMERX_IOC_SETUP_RING":     uint64(iocSetupRing),
	"TIMERX_IOC_CREATE":         uint64(iocCreate),
	"TIMERX_IOC_ARM":            uint64(iocArm),
	"TIMERX_IOC_CANCEL":         uint64(iocCancel),
	"TIMERX_IOC_DELETE":         uint64(iocDelete),
	"TIMERX_IOC_GET":            uint64(iocGet),
	"TIMERX_IOC_FLUSH":          uint64(iocFlush),
	"TIMERX_IOC_CTX_INFO":       uint64(iocCtxInfo),
	"TIMERX_IOC_ARM_AT":         uint64(iocArmAt),
	"TIMERX_IOC_ARM_IN":         uint64(iocArmIn),
	"TIMERX_IOC_POSTPONE":       uint64(iocPostpone),
	"TIMERX_IOC_BATCH":          uint64(iocBatch),
	"TIMERX_BATCH_ARM":          batchOpArm,
	"TIMERX_BATCH_CANCEL":       batchOpCancel,
	"TIMERX_BATCH_POSTPONE":     batchOpPostpone,
	"TIMERX_BATCH_MAX":          BatchMax,
	"TIMERX_SLACK_MAX_NS":       uint64(SlackMax),
	"TIMERX_CMD_MAX":            cmdBatch,
	"CLOCK_REALTIME":            uint64(ClockRealtime),
	"CLOCK_MONOTONIC":           uint64(ClockMonotonic),
	"CLOCK_BOOTTIME":            uint64(ClockBoottime),
	"CLOCK_TAI":                 uint64(ClockTAI),
	"TIMERX_HIST_BUCKETS":       HistogramBuckets,
}

func layoutProgram() (src string, want map[string]string) {
	var b strings.Builder
	want = map[string]string{}
	b.WriteString("#include <stddef.h>\n#include <stdio.h>\n#include <time.h>\n" +
		"#include <linux/timerx.h>\n\nint main(void)\n{\n")
	for _, s := range uapiStructs {
		fmt.Fprintf(&b, "\tprintf(\"%s size %%zu\\n\", sizeof(struct %s));\n", s.c, s.c)
		want[s.c+" size"] = fmt.Sprint(s.goType.Size())
		for i := 0; i < s.goType.NumField(); i++ {
			f := s.goType.Field(i)
			name := f.Tag.Get("uapi")
			if name == "" {
				continue
			}
			fmt.Fprintf(&b, "\tprintf(\"%s.%s %%zu %%zu\\n\", offsetof(struct %s, %s), "+
				"sizeof(((struct %s *)0)->%s));\n", s.c, name, s.c, name, s.c, name)
			want[s.c+"."+name] = fmt.Sprintf("%d %d", f.Offset, f.Type.Size())
		}
	}
	for c, v := range uapiConstants {
		fmt.Fprintf(&b, "\tprintf(\"%s %%llu\\n\", (unsigned long long)(%s));\n", c, c)
		want[c] = fmt.Sprint(v)
	}
	fmt.Fprintf(&b, "\tprintf(\"TIMERX_DEVICE_PATH %%s\\n\", TIMERX_DEVICE_PATH);\n")
	want["TIMERX_DEVICE_PATH"] = DevicePath
	b.WriteString("\treturn 0;\n}\n")
	return b.String(), want
}

func TestEveryFieldIsTagged(t *testing.T) {
	for _, s := range uapiStructs {
		for i := 0; i < s.goType.NumField(); i++ {
			if f := s.goType.Field(i); f.Tag.Get("uapi") == "" {
				t.Errorf("%s.%s has no uapi tag: its offset is not checked", s.goType.Name(), f.Name)
			}
		}
	}
}

func TestLayoutMatchesTheCHeader(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Fatalf("no C compiler to read include/uapi/linux/timerx.h with: %v", err)
	}
	uapi, err := filepath.Abs("../../include/uapi")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(uapi, "linux", "timerx.h")); err != nil {
		t.Fatalf("the UAPI header: %v", err)
	}
	dir := t.TempDir()
	src, want := layoutProgram()
	if err := os.WriteFile(filepath.Join(dir, "layout.c"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "layout")
	if out, err := exec.Command(cc, "-Wall", "-Werror", "-I", uapi, "-o", bin,
		filepath.Join(dir, "layout.c")).CombinedOutput(); err != nil {
		t.Fatalf("compiling the layout program: %v\n%s\n%s", err, out, src)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("running the layout program: %v", err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// "struct.field offset size", "struct size N" or "CONSTANT value"
		if i := strings.LastIndex(line, " size "); i > 0 && !strings.Contains(line[:i], " ") {
			got[line[:i]+" size"] = line[i+6:]
			continue
		}
		key, val, _ := strings.Cut(line, " ")
		got[key] = val
	}
	if len(got) != len(want) {
		t.Errorf("the C program printed %d values, Go has %d", len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: C says %q, Go says %q", k, got[k], w)
		}
	}
}
