// SPDX-License-Identifier: MIT
/*
 * The module's lateness histograms (timerx::Histogram) as JSON (the
 * lateness summary of tools/common, and the buckets) and as text.
 */
#ifndef TIMERCTL_HIST_RENDER_HPP
#define TIMERCTL_HIST_RENDER_HPP

#include "tools_common.hpp"

#include <timerx/control.hpp>

#include <cstddef>
#include <ostream>
#include <string>

namespace timerctl {

/* The lateness summary's members (tools/common) into the open object. */
void json_hist_summary_fields(JsonWriter &w, const timerx::Histogram &h);
/*
 * "sub_bits", "nr_buckets" and "buckets": [{index, lower_ns, upper_ns (one
 * past the last value; null for the open-ended last bucket), count}] as
 * members of the open object.
 */
void json_hist_bucket_fields(JsonWriter &w, const timerx::Histogram &h);
/* The summary as an object, with the bucket fields when @with_buckets. */
void json_hist(JsonWriter &w, const timerx::Histogram &h, bool with_buckets);

/* "p50 4.10µs  p99 30.2µs  p99.9 120µs  max 1.20ms" or "no samples". */
std::string hist_one_line(const timerx::Histogram &h);

/*
 * The terminal histogram: a summary (count/min/mean/max, percentiles) and
 * one row per non-empty bucket: its range, a bar scaled to the largest
 * count (@bar_width columns) and the count. With @max_rows (0: no limit)
 * and more non-empty buckets than that, runs of adjacent non-empty buckets
 * share a row (as evenly as possible), so a wide distribution still fits
 * a screen; the percentiles above are always from the full resolution.
 */
void render_hist_text(std::ostream &out, const timerx::Histogram &h, unsigned bar_width = 40,
		      std::size_t max_rows = 0);

} // namespace timerctl

#endif /* TIMERCTL_HIST_RENDER_HPP */
