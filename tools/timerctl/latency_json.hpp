// SPDX-License-Identifier: MIT
/*
 * A lateness summary as JSON: the one shape `timerctl latency --json` and
 * the benchmark suite (bench/) write, so one reader handles both.
 *
 *   {"count": N, "early": N, "min_ns": .., "avg_ns": .., "max_ns": ..,
 *    "p50_ns": .., "p90_ns": .., "p99_ns": .., "p999_ns": .., "p9999_ns": ..,
 *    "quantiles": [[q, ns], ...]}
 *
 * "quantiles" holds latency_plot_quantiles, for percentile plots.
 */
#ifndef TIMERCTL_LATENCY_JSON_HPP
#define TIMERCTL_LATENCY_JSON_HPP

#include "output.hpp"

#include <timerx/latency.hpp>

#include <array>

namespace timerctl {

inline constexpr std::array<double, 17> latency_plot_quantiles = {
	0.0, 0.1,  0.2,  0.3,   0.4,   0.5,    0.6,    0.7, 0.8,
	0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 1.0,
};

/* Writes the summary of @r as one JSON object (a value: call key() first inside an object). */
void json_latency(JsonWriter &w, const timerx::LatencyRecorder &r);

} // namespace timerctl

#endif /* TIMERCTL_LATENCY_JSON_HPP */
