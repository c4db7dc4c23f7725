// SPDX-License-Identifier: MIT
#include "lateness_summary.hpp"

#include <algorithm>
#include <cmath>

namespace timerx_tools {

namespace {

/* The percentiles of @s from @quantile (q -> ns), one call per value. */
template <typename Quantile>
void fill_percentiles(LatenessSummary &s, const Quantile &quantile)
{
	s.p50_ns = quantile(0.5);
	s.p90_ns = quantile(0.9);
	s.p99_ns = quantile(0.99);
	s.p999_ns = quantile(0.999);
	s.p9999_ns = quantile(0.9999);
	for (std::size_t i = 0; i < lateness_plot_quantiles.size(); ++i)
		s.plot_ns[i] = quantile(lateness_plot_quantiles[i]);
}

} // namespace

LatenessSummary summarize(const timerx::Histogram &h)
{
	LatenessSummary s;
	s.count = h.count;
	s.sum_ns = h.sum_ns;
	if (h.count == 0)
		return s;
	s.min_ns = h.min_ns;
	s.max_ns = h.max_ns;
	s.mean_ns = h.mean_ns();
	fill_percentiles(s, [&h](double q) { return h.quantile_ns(q); });
	return s;
}

LatenessSummary summarize(const timerx::LatencyRecorder &r)
{
	LatenessSummary s;
	s.count = r.count();
	s.early = r.early();
	s.sum_ns = r.sum_ns();
	if (r.count() == 0)
		return s;
	s.min_ns = r.min_ns();
	s.max_ns = r.max_ns();
	s.mean_ns = r.mean_ns();
	fill_percentiles(s, [&r](double q) { return r.quantile_ns(q); });
	return s;
}

LatenessSummary with_exact_extremes(LatenessSummary s, std::uint64_t min_ns, double mean_ns,
				    std::uint64_t max_ns)
{
	s.min_ns = min_ns;
	s.max_ns = std::max(min_ns, max_ns);
	s.mean_ns = mean_ns;
	const auto clamp = [&s](std::uint64_t &v) { v = std::clamp(v, s.min_ns, s.max_ns); };
	for (std::uint64_t *p : {&s.p50_ns, &s.p90_ns, &s.p99_ns, &s.p999_ns, &s.p9999_ns})
		clamp(*p);
	for (auto &v : s.plot_ns)
		clamp(v);
	return s;
}

void json_lateness_fields(JsonWriter &w, const LatenessSummary &s)
{
	w.field("count", s.count);
	w.field("early", s.early);
	w.field("sum_ns", s.sum_ns);
	w.field("min_ns", s.min_ns);
	w.field("mean_ns", static_cast<std::uint64_t>(std::llround(s.mean_ns)));
	w.field("avg_ns", s.mean_ns);
	w.field("max_ns", s.max_ns);
	w.field("p50_ns", s.p50_ns);
	w.field("p90_ns", s.p90_ns);
	w.field("p99_ns", s.p99_ns);
	w.field("p999_ns", s.p999_ns);
	w.field("p9999_ns", s.p9999_ns);
	w.key("quantiles").begin_array();
	for (std::size_t i = 0; i < lateness_plot_quantiles.size(); ++i)
		w.begin_array().value(lateness_plot_quantiles[i]).value(s.plot_ns[i]).end_array();
	w.end_array();
}

void json_lateness(JsonWriter &w, const LatenessSummary &s)
{
	w.begin_object();
	json_lateness_fields(w, s);
	w.end_object();
}

} // namespace timerx_tools
