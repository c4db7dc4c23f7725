// SPDX-License-Identifier: MIT
/* The lateness summary shared by `timerctl latency --json` and bench/. */
#include "latency_json.hpp"

namespace timerctl {

void json_latency(JsonWriter &w, const timerx::LatencyRecorder &r)
{
	w.begin_object();
	w.field("count", r.count());
	w.field("early", r.early());
	w.field("min_ns", r.min_ns());
	w.field("avg_ns", r.mean_ns());
	w.field("max_ns", r.max_ns());
	w.field("p50_ns", r.quantile_ns(0.5));
	w.field("p90_ns", r.quantile_ns(0.9));
	w.field("p99_ns", r.quantile_ns(0.99));
	w.field("p999_ns", r.quantile_ns(0.999));
	w.field("p9999_ns", r.quantile_ns(0.9999));
	w.key("quantiles").begin_array();
	for (const double q : latency_plot_quantiles)
		w.begin_array().value(q).value(r.quantile_ns(q)).end_array();
	w.end_array();
	w.end_object();
}

} // namespace timerctl
