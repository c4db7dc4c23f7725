// SPDX-License-Identifier: MIT
#include "record.hpp"

#include "latency_json.hpp"

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

timerctl::JsonWriter &Record::result()
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

void json_latency_with_extremes(timerctl::JsonWriter &w, const timerx::LatencyRecorder &r,
				std::uint64_t min_ns, double avg_ns, std::uint64_t max_ns)
{
	/*
	 * The same members, in the same order, as timerctl::json_latency; the
	 * quantiles come from the buckets, clamped into the exact extremes.
	 */
	const auto q = [&](double p) {
		std::uint64_t v = r.quantile_ns(p);
		if (v < min_ns)
			v = min_ns;
		if (v > max_ns)
			v = max_ns;
		return v;
	};
	w.begin_object();
	w.field("count", r.count());
	w.field("early", r.early());
	w.field("min_ns", min_ns);
	w.field("avg_ns", avg_ns);
	w.field("max_ns", max_ns);
	w.field("p50_ns", q(0.5));
	w.field("p90_ns", q(0.9));
	w.field("p99_ns", q(0.99));
	w.field("p999_ns", q(0.999));
	w.field("p9999_ns", q(0.9999));
	w.key("quantiles").begin_array();
	for (const double p : timerctl::latency_plot_quantiles)
		w.begin_array().value(p).value(q(p)).end_array();
	w.end_array();
	w.end_object();
}

void json_ratio(timerctl::JsonWriter &w, std::string_view key, double a, double b)
{
	w.key(key);
	if (b == 0)
		w.null();
	else
		w.value(a / b);
}

} // namespace bench
