// SPDX-License-Identifier: MIT
/*
 * The record: the one JSON line a run prints to stdout,
 *
 *   {"workload":"w1","contestant":"timerfd-epoll","params":{...},"result":{...}}
 *
 * written with tools/common's JsonWriter (timerctl's too). Build it after the measured loop
 * (it allocates): params() and result() hand out the writer positioned
 * inside the respective object, print() closes everything and writes the
 * line.
 */
#ifndef TIMERX_BENCH_RECORD_HPP
#define TIMERX_BENCH_RECORD_HPP

#include <json_writer.hpp>

#include <timerx/latency.hpp>

#include <cstdint>
#include <sstream>
#include <string_view>

namespace bench {

class Record {
public:
	Record(std::string_view workload, std::string_view contestant);

	/* The writer inside "params" (only before result()). */
	timerx_tools::JsonWriter &params() { return w_; }
	/* Closes "params", opens "result". */
	timerx_tools::JsonWriter &result();
	/* Closes the record and writes it, newline-terminated, to stdout. */
	void print();

private:
	std::ostringstream out_;
	timerx_tools::JsonWriter w_;
	bool in_result_ = false;
};

/*
 * A LAT object (tools/common's lateness summary, as timerctl writes it)
 * whose min/avg/max are given rather than taken from @r: for cyclictest,
 * whose histogram has 1 µs buckets but whose own extremes are exact.
 */
void json_latency_with_extremes(timerx_tools::JsonWriter &w, const timerx::LatencyRecorder &r,
				std::uint64_t min_ns, double avg_ns, std::uint64_t max_ns);

/* a / b as a double, null when b is 0. */
void json_ratio(timerx_tools::JsonWriter &w, std::string_view key, double a, double b);

} // namespace bench

#endif /* TIMERX_BENCH_RECORD_HPP */
