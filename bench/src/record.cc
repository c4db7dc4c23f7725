// SPDX-License-Identifier: MIT
#include "record.hpp"

#include <lateness_summary.hpp>

#include <cstdio>
#include <string>

namespace bench {

Record::Record(std::string_view workload, std::string_view contestant) : w_(out_)
{
	w_.begin_object();
	w_.field("workload", workload);
	w_.field("contestant", contestant);
	w_.key("params").begin_object();
}

timerx_tools::JsonWriter &Record::result()
{
	if (!in_result_) {
		w_.end_object();
		w_.key("result").begin_object();
		in_result_ = true;
	}
	return w_;
}

void Record::print()
{
	(void)result();
	w_.end_object().end_object();
	const std::string line = out_.str() + "\n";
	/* One write, so records of concurrent runs on one terminal stay whole. */
	std::fwrite(line.data(), 1, line.size(), stdout);
	std::fflush(stdout);
}

void json_latency_with_extremes(timerx_tools::JsonWriter &w, const timerx::LatencyRecorder &r,
				std::uint64_t min_ns, double avg_ns, std::uint64_t max_ns)
{
	timerx_tools::json_lateness(w, timerx_tools::with_exact_extremes(timerx_tools::summarize(r),
									 min_ns, avg_ns, max_ns));
}

void json_ratio(timerx_tools::JsonWriter &w, std::string_view key, double a, double b)
{
	w.key(key);
	if (b == 0)
		w.null();
	else
		w.value(a / b);
}

} // namespace bench
