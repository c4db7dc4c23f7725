// SPDX-License-Identifier: MIT
/*
 * timerctl latency: its outputs, on plain data (tested without the module).
 *
 *   - cyclictest's per-thread line ("T: 0 ( 1234) P:80 I:1000 C: ..."),
 *     live (progress) and final, in microseconds;
 *   - a timerx table: percentiles of the total lateness and of its kernel
 *     and delivery parts, and the overruns;
 *   - with -h, cyclictest's histogram and footer, byte for byte as
 *     rt-tests 2.4 prints them, so tools that parse cyclictest parse it;
 *   - one JSON line (--json).
 */
#ifndef TIMERCTL_LATENCY_REPORT_HPP
#define TIMERCTL_LATENCY_REPORT_HPP

#include "latency_run.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace timerctl {

struct LatencyReport {
	LatencyOptions options;
	std::string kernel; /* uname -r */
	std::vector<LatencyThreadResult> threads;
	/* /dev/cpu_dma_latency was held at 0 for the run. */
	bool cpu_dma_latency = false;
};

/* The numbers of one cyclictest line, in microseconds. */
struct CyclicLine {
	unsigned index = 0;
	long tid = 0;
	int priority = 0;
	std::uint64_t interval_us = 0;
	std::uint64_t cycles = 0;
	std::uint64_t min_us = 1000000; /* cyclictest's "no sample yet" */
	std::int64_t act_us = 0;
	std::uint64_t avg_us = 0;
	std::uint64_t max_us = 0;
};

/* "T:%2d (%5d) P:%2d I:%ld C:%7lu Min:%7ld Act:%5ld Avg:%5ld Max:%8ld", no newline. */
std::string format_cyclic_line(const CyclicLine &l);

/* The line of thread @k while it runs, and when it is done. */
CyclicLine cyclic_line(const LatencyOptions &o, unsigned k, const LatencySnapshot &s);
CyclicLine cyclic_line(const LatencyOptions &o, const LatencyThreadResult &r);

/*
 * One progress frame: @lines, each followed by a newline. On a terminal
 * (@tty) each line also clears the rest of the row, and a @redraw frame
 * first moves the cursor up over the previous one.
 */
void render_progress(std::ostream &out, const std::vector<std::string> &lines, bool tty,
		     bool redraw);

/*
 * The final text on stdout: cyclictest lines and the timerx table
 * (render_latency_summary), then with -h the histogram unless it goes to
 * --histfile; with -q and -h the histogram alone, as cyclictest -q -h.
 */
void render_latency_text(std::ostream &out, const LatencyReport &r);
/* Cyclictest lines, the timerx table and the overruns. */
void render_latency_summary(std::ostream &out, const LatencyReport &r);

/* cyclictest's "# Histogram" block with its footer (rt-tests 2.4, without -H). */
void render_cyclictest_hist(std::ostream &out, const std::vector<LatencyThreadResult> &threads);

/* One line of JSON, newline included. */
void render_latency_json(std::ostream &out, const LatencyReport &r);

} // namespace timerctl

#endif /* TIMERCTL_LATENCY_REPORT_HPP */
