// SPDX-License-Identifier: MIT
/*
 * timerctl's subcommands: one file each (cmd_*.cc). Each has a parse step
 * (the whole command line, UsageError before any kernel access), a run
 * step, and renderers that work on plain data (tested without the module).
 */
#ifndef TIMERCTL_COMMANDS_HPP
#define TIMERCTL_COMMANDS_HPP

#include "cli.hpp"
#include "clock_state.hpp"
#include "durations.hpp"
#include "hist_render.hpp"
#include "kmodule.hpp"
#include "latency_run.hpp"
#include "prometheus.hpp"
#include "table.hpp"
#include "tools_common.hpp"
#include "units.hpp"

#include <timerx/control.hpp>

#include <ctime>
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace timerctl {

/* The current time of a clock id (CLOCK_MONOTONIC, ...), for "next expiry in". */
using ClockNow = std::function<std::optional<std::int64_t>(std::uint32_t clockid)>;
ClockNow system_clock_now();
/*
 * The clocks timers use, read once now: taken right after a dump, so that
 * "next expiry in" is relative to the snapshot and not to the printing.
 */
ClockNow clock_snapshot();

/* Shared by the renderers. */
std::string clock_name(std::uint32_t clockid);
std::string timer_flags(std::uint32_t flags); /* "soft,pinned", "hard" or "-" */
std::string timer_state(std::uint32_t state); /* "armed", "idle" */
Labels context_labels(const timerx::ContextStatus &c);
Labels timer_labels(const timerx::ContextStatus &c, std::uint32_t timer_id);
void json_context(JsonWriter &w, const timerx::ContextStatus &c,
		  const std::vector<timerx::TimerStatus> *timers);
void json_timer(JsonWriter &w, const timerx::TimerStatus &t);
/* Starts a family from the shared table (same HELP/TYPE everywhere). */
void prom_begin(PromWriter &p, std::string_view name);
/* timerx_up: first in every Prometheus output. */
void prom_up(PromWriter &p, bool up);
/*
 * open_control(), and with --prometheus, when the module is not loaded,
 * timerx_up 0 on @out before the error (exit 3).
 */
void open_control(timerx::Control &c, Format f, std::ostream &out);
/* Per-context metric families for @ctxs, then per-timer ones for their timers. */
struct ContextView {
	timerx::ContextStatus ctx;
	std::vector<timerx::TimerStatus> timers;
};
void prom_contexts(PromWriter &p, const std::vector<ContextView> &ctxs, bool with_timers);
/* The timers of one context as a table (show, list -t). */
Table timers_table(const std::vector<timerx::TimerStatus> &timers, const ClockNow &now);

/* ------------------------------------------------------------ status */
struct StatusData {
	ModuleState module;
	timerx::Stats stats;
	std::optional<timerx::Config> config;
	std::optional<ClockState> clock; /* none: adjtimex failed */
	/* Visible CLOCK_TAI timers, counted only while the TAI offset is 0. */
	std::optional<std::uint64_t> tai_timers;
};
/* The warnings status prints (and lists in JSON): the TAI offset one. */
std::vector<std::string> status_warnings(const StatusData &d);
void render_status(std::ostream &out, Format f, const StatusData &d);
int cmd_status(const Args &a, Io &io);
extern const std::span<const OptSpec> status_options;

/* ------------------------------------------------------------ list */
struct ListOptions {
	Format format = Format::text;
	bool timers = false;
};
ListOptions parse_list(const Args &a);
void render_list(std::ostream &out, const ListOptions &o, const std::vector<ContextView> &ctxs,
		 const ClockNow &now);
int cmd_list(const Args &a, Io &io);
extern const std::span<const OptSpec> list_options;

/* ------------------------------------------------------------ show */
struct ShowOptions {
	Format format = Format::text;
	std::uint32_t ctx_id = 0;
};
ShowOptions parse_show(const Args &a);
void render_show(std::ostream &out, Format f, const ContextView &v, const ClockNow &now);
int cmd_show(const Args &a, Io &io);
extern const std::span<const OptSpec> show_options;

/* ------------------------------------------------------------ hist */
struct HistOptions {
	Format format = Format::text;
	std::optional<ObjectRef> ref; /* none: the global histogram */
	unsigned width = 40;
	std::size_t rows = 32; /* 0: one row per bucket */
};
HistOptions parse_hist(const Args &a);
/* What a histogram belongs to. */
struct HistTarget {
	std::optional<timerx::ContextStatus> ctx; /* none: global */
	std::optional<std::uint32_t> timer_id;
};
void render_hist(std::ostream &out, const HistOptions &o, const HistTarget &t,
		 const timerx::Histogram &h);
int cmd_hist(const Args &a, Io &io);
extern const std::span<const OptSpec> hist_options;

/* ------------------------------------------------------------ config */
struct ConfigOptions {
	Format format = Format::text;
	timerx::Config changes;
	bool set = false;
};
ConfigOptions parse_config(const Args &a);
/* The names config accepts, in output order. */
std::span<const char *const> config_keys();
void render_config(std::ostream &out, Format f, const timerx::Config &c);
/* The settings as members of the open object; unknown ones null. */
void json_config_fields(JsonWriter &w, const timerx::Config &c);
/* KEY=VALUE for each known setting, in config_keys() order. */
std::vector<std::string> config_lines(const timerx::Config &c);
int cmd_config(const Args &a, Io &io);
extern const std::span<const OptSpec> config_options;

/* ------------------------------------------------------------ monitor */
struct MonitorOptions {
	bool json = false;
	std::optional<std::uint64_t> count;
	std::optional<std::uint64_t> timeout_ms;
};
MonitorOptions parse_monitor(const Args &a);
const char *notification_kind(timerx::Notification::Kind k);
/* One line, without newline; @when is the receive time (CLOCK_REALTIME). */
std::string format_notification(const timerx::Notification &n, bool json, const timespec &when);
int cmd_monitor(const Args &a, Io &io);
extern const std::span<const OptSpec> monitor_options;

/* ------------------------------------------------------------ load, unload */
struct LoadOptions {
	std::optional<std::string> path;
	std::vector<std::string> params; /* NAME=VALUE */
};
LoadOptions parse_load(const Args &a);
int cmd_load(const Args &a, Io &io);
extern const std::span<const OptSpec> load_options;

/* ------------------------------------------------------------ latency */
/* "0-1,3" -> {0, 1, 3} (in order, without repeats); nullopt when malformed. */
std::optional<std::vector<int>> parse_cpu_list(std::string_view s);
/* /sys/devices/system/cpu/online. */
std::vector<int> online_cpus();
/* @online: the CPUs -a may name. */
LatencyOptions parse_latency(const Args &a, const std::vector<int> &online);
LatencyOptions parse_latency(const Args &a);
int cmd_latency(const Args &a, Io &io);
extern const std::span<const OptSpec> latency_options;

void parse_unload(const Args &a);
int cmd_unload(const Args &a, Io &io);
extern const std::span<const OptSpec> unload_options;

} // namespace timerctl

#endif /* TIMERCTL_COMMANDS_HPP */
