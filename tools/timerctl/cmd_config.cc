// SPDX-License-Identifier: MIT
/* timerctl config [KEY=VALUE...]: print or change the module's settings. */
#include "commands.hpp"

#include <cerrno>
#include <set>

namespace timerctl {

namespace {

constexpr OptSpec opts[] = {opt_help, opt_json};

constexpr const char *keys[] = {
	"max_timers_per_ctx", "max_ring_entries",  "min_period_ns",         "histograms",
	"alarm_lateness_ns",  "alarm_interval_ms", "max_contexts_per_user", "max_timers_per_user",
	"max_user_rate"};

constexpr std::uint64_t limit_2_20 = 1U << 20;
constexpr std::uint64_t limit_2_24 = 1U << 24;
constexpr std::uint64_t max_rate = 10000000000ULL; /* expirations per second: 10^10 */

[[noreturn]] void bad_value(const std::string &key, const std::string &value,
			    const std::string &want)
{
	throw UsageError("invalid value for " + key + ": '" + value + "' (" + want + ")");
}

/* Ranges from the UAPI (linux/timerx.h, TIMERX_NL_CONFIG_A_*). */
void set_one(timerx::Config &c, const std::string &key, const std::string &value)
{
	if (key == "max_timers_per_ctx") {
		auto v = parse_u32(value);
		if (!v || *v < 1 || *v > limit_2_20)
			bad_value(key, value, "1 to 1048576");
		c.max_timers_per_ctx = *v;
	} else if (key == "max_ring_entries") {
		auto v = parse_u32(value);
		if (!v || *v < 2 || *v > limit_2_20 || (*v & (*v - 1)) != 0)
			bad_value(key, value, "a power of two from 2 to 1048576");
		c.max_ring_entries = *v;
	} else if (key == "min_period_ns") {
		auto v = parse_duration(value, 1, 1);
		if (!v || *v > ns_per_s)
			bad_value(key, value, "0 to 1s; ns, or with a unit: ns, us, ms, s");
		c.min_period_ns = *v;
	} else if (key == "histograms") {
		auto v = parse_bool(value);
		if (!v)
			bad_value(key, value, "on or off");
		c.histograms = *v;
	} else if (key == "alarm_lateness_ns") {
		auto v = parse_duration(value, 1, 1);
		if (!v || *v > 10 * ns_per_s)
			bad_value(key, value, "0 (off) to 10s; ns, or with a unit: ns, us, ms, s");
		c.alarm_lateness_ns = *v;
	} else if (key == "alarm_interval_ms") {
		auto v = parse_duration(value, ns_per_ms, ns_per_ms);
		if (!v || *v < 1 || *v > 3600000)
			bad_value(key, value, "1 to 3600000 ms; ms, or with a unit: ms, s");
		c.alarm_interval_ms = static_cast<std::uint32_t>(*v);
	} else if (key == "max_contexts_per_user") {
		auto v = parse_u32(value);
		if (!v || *v < 1 || *v > limit_2_20)
			bad_value(key, value, "1 to 1048576");
		c.max_contexts_per_user = *v;
	} else if (key == "max_timers_per_user") {
		auto v = parse_u32(value);
		if (!v || *v < 1 || *v > limit_2_24)
			bad_value(key, value, "1 to 16777216");
		c.max_timers_per_user = *v;
	} else if (key == "max_user_rate") {
		auto v = parse_u64(value);
		if (!v || *v < 1 || *v > max_rate)
			bad_value(key, value, "1 to 10000000000 expirations per second");
		c.max_user_rate = *v;
	} else {
		std::string known;
		for (const char *k : keys)
			known += (known.empty() ? "" : ", ") + std::string(k);
		throw UsageError("unknown setting: " + key + " (settings: " + known + ")");
	}
}

} // namespace

const std::span<const OptSpec> config_options{opts};

std::span<const char *const> config_keys()
{
	return keys;
}

ConfigOptions parse_config(const Args &a)
{
	ConfigOptions o;
	o.format = format_from(a, false);
	std::set<std::string> seen;
	for (const auto &p : a.positionals) {
		const auto eq = p.find('=');
		if (eq == std::string::npos || eq == 0)
			throw UsageError("not KEY=VALUE: " + p);
		const std::string key = p.substr(0, eq);
		if (!seen.insert(key).second)
			throw UsageError("setting given twice: " + key);
		set_one(o.changes, key, p.substr(eq + 1));
		o.set = true;
	}
	return o;
}

std::vector<std::string> config_lines(const timerx::Config &c)
{
	std::vector<std::string> l;
	auto num = [&l](const char *k, const auto &v) {
		if (v)
			l.push_back(std::string(k) + "=" + std::to_string(*v));
	};
	num("max_timers_per_ctx", c.max_timers_per_ctx);
	num("max_ring_entries", c.max_ring_entries);
	num("min_period_ns", c.min_period_ns);
	if (c.histograms)
		l.push_back(std::string("histograms=") + (*c.histograms ? "on" : "off"));
	num("alarm_lateness_ns", c.alarm_lateness_ns);
	num("alarm_interval_ms", c.alarm_interval_ms);
	/* API 2: an older module has none of these; nothing is printed for them. */
	num("max_contexts_per_user", c.max_contexts_per_user);
	num("max_timers_per_user", c.max_timers_per_user);
	num("max_user_rate", c.max_user_rate);
	return l;
}

void json_config_fields(JsonWriter &w, const timerx::Config &c)
{
	w.field("max_timers_per_ctx", c.max_timers_per_ctx);
	w.field("max_ring_entries", c.max_ring_entries);
	w.field("min_period_ns", c.min_period_ns);
	w.field("histograms", c.histograms);
	w.field("alarm_lateness_ns", c.alarm_lateness_ns);
	w.field("alarm_interval_ms", c.alarm_interval_ms);
	/* null from a module older than API 2 */
	w.field("max_contexts_per_user", c.max_contexts_per_user);
	w.field("max_timers_per_user", c.max_timers_per_user);
	w.field("max_user_rate", c.max_user_rate);
}

void render_config(std::ostream &out, Format f, const timerx::Config &c)
{
	if (f == Format::json) {
		JsonWriter w(out);
		w.begin_object();
		json_config_fields(w, c);
		w.end_object();
		out << '\n';
		return;
	}
	for (const auto &l : config_lines(c))
		out << l << '\n';
}

int cmd_config(const Args &a, Io &io)
{
	const ConfigOptions o = parse_config(a);
	timerx::Control c;
	open_control(c);
	timerx::Config result;
	if (o.set) {
		if (int r = take(c.set_config(o.changes), result); r < 0) {
			const std::string why = (r == -EPERM || r == -EACCES)
							? "needs CAP_SYS_ADMIN"
							: c.last_error_message();
			fail(r, "cannot change the configuration (nothing was changed)",
			     exit_failure, why);
		}
	} else if (int r = take(c.config(), result); r < 0) {
		fail(r, "cannot read the configuration", exit_failure, c.last_error_message());
	}
	render_config(io.out, o.format, result);
	return exit_ok;
}

} // namespace timerctl
