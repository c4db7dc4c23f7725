// SPDX-License-Identifier: MIT
/*
 * A lateness summary: what every JSON output of timerctl (status, list,
 * show, hist, latency) and of the benchmark suite says about a set of
 * lateness samples, in one shape, so one reader handles them all:
 *
 *   {"count": N, "early": N, "sum_ns": N, "min_ns": N, "mean_ns": N,
 *    "avg_ns": X, "max_ns": N, "p50_ns": N, "p90_ns": N, "p99_ns": N,
 *    "p999_ns": N, "p9999_ns": N, "quantiles": [[q, ns], ...]}
 *
 * mean_ns is the mean rounded to a nanosecond and avg_ns the same mean
 * unrounded (cyclictest's name): both are kept, because earlier outputs
 * had one or the other and JSON keys are never renamed. "early" counts
 * samples seen before they were due (recorded as 0); the kernel's
 * histograms have none. "quantiles" holds lateness_plot_quantiles, for
 * percentile plots. Percentiles are read at the midpoint of the holding
 * bucket, clamped to [min, max] (Histogram::quantile_ns).
 */
#ifndef TIMERX_TOOLS_LATENESS_SUMMARY_HPP
#define TIMERX_TOOLS_LATENESS_SUMMARY_HPP

#include "json_writer.hpp"

#include <timerx/histogram.hpp>
#include <timerx/latency.hpp>

#include <array>
#include <cstdint>

namespace timerx_tools {

inline constexpr std::array<double, 17> lateness_plot_quantiles = {
	0.0, 0.1,  0.2,  0.3,   0.4,   0.5,    0.6,    0.7, 0.8,
	0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 1.0,
};

struct LatenessSummary {
	std::uint64_t count = 0;
	std::uint64_t early = 0;
	std::uint64_t sum_ns = 0;
	std::uint64_t min_ns = 0; /* 0 without samples */
	std::uint64_t max_ns = 0;
	double mean_ns = 0;
	std::uint64_t p50_ns = 0;
	std::uint64_t p90_ns = 0;
	std::uint64_t p99_ns = 0;
	std::uint64_t p999_ns = 0;
	std::uint64_t p9999_ns = 0;
	/* The values at lateness_plot_quantiles. */
	std::array<std::uint64_t, lateness_plot_quantiles.size()> plot_ns{};
};

/* Of the module's histogram (status, list, show, hist). */
LatenessSummary summarize(const timerx::Histogram &h);
/* Of samples measured in userspace (timerctl latency, bench/). */
LatenessSummary summarize(const timerx::LatencyRecorder &r);

/*
 * @s with exact extremes and mean measured elsewhere (cyclictest's own,
 * beside its 1 µs histogram): min, mean and max replaced, every
 * percentile clamped into [min_ns, max_ns].
 */
LatenessSummary with_exact_extremes(LatenessSummary s, std::uint64_t min_ns, double mean_ns,
				    std::uint64_t max_ns);

/* The summary's members (above) into the open object. */
void json_lateness_fields(JsonWriter &w, const LatenessSummary &s);
/* The summary as one object (a value: call key() first inside an object). */
void json_lateness(JsonWriter &w, const LatenessSummary &s);

} // namespace timerx_tools

#endif /* TIMERX_TOOLS_LATENESS_SUMMARY_HPP */
