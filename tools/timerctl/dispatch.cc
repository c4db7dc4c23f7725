// SPDX-License-Identifier: MIT
/* timerctl: the dispatch table, help texts and the top-level argument handling. */
#include "commands.hpp"

#include <json_pretty.hpp>

#include <timerx/version.hpp>

#include <cctype>
#include <exception>
#include <iomanip>
#include <new>

namespace timerctl {

namespace {

constexpr std::string_view exit_status_text =
	"Exit status:\n"
	"  0  success\n"
	"  1  failure\n"
	"  2  usage error (bad command, option, key or value)\n"
	"  3  the timerx module is not loaded\n"
	"  4  permission denied\n"
	"  5  no such context or timer\n";

int run_help(const Args &a, Io &io);

constexpr OptSpec help_opts[] = {opt_help};

/* Function-local: built on first use, after every command's option table. */
std::span<const Command> table_of_commands()
{
	static const Command table[] = {
		{"status", "module state, versions, settings and totals",
		 "status [-j | --prometheus]",
		 "Whether the module is loaded (libkmod: state, reference count), its version and\n"
		 "UAPI version, its settings (netlink CONFIG_GET) and module parameters\n"
		 "(/sys/module/timerx/parameters), and the totals since it was loaded: contexts,\n"
		 "timers, fires, expirations, events, ring-full events and the global lateness\n"
		 "percentiles. Then the system clock as adjtimex(2) reports it: synchronized or\n"
		 "not, estimated and maximum error, the kernel's TAI offset, with a warning when\n"
		 "CLOCK_TAI timers exist while that offset is 0 (CLOCK_TAI = CLOCK_REALTIME).\n"
		 "With --prometheus timerx_up 1 comes first; without the module timerx_up 0\n"
		 "(exit 3), as in list, show and hist.\n",
		 status_options, cmd_status},
		{"list", "the visible contexts, one per line (-t: with their timers)",
		 "list [-t] [-j | --prometheus]",
		 "One line per context you may see (all of them with CAP_SYS_ADMIN, else those\n"
		 "opened with your uid): ID, PID, COMM, UID, TIMERS, RING (used/size), EVENTS,\n"
		 "RING_FULL, WAKEUPS and the p99 lateness. With -t each context's timers follow "
		 "it.\n",
		 list_options, cmd_list},
		{"show", "one context in detail, with its timers", "show CTX [-j | --prometheus]",
		 "Context CTX's owner, ring, counters and lateness, and a table of its timers:\n"
		 "id, clock, flags (soft, hard, pinned), pinned CPU, period, state, time to the\n"
		 "next expiry, fires, overruns, events, pending expirations, the seq and slack\n"
		 "of the last arming, and lateness p50/p99/max.\n"
		 "Exit status 5 when there is no such context (or you may not see it).\n",
		 show_options, cmd_show},
		{"hist", "a lateness histogram: global, of a context or of a timer",
		 "hist [CTX[:TIMER]] [-w COLUMNS] [-r N] [-j | --prometheus]",
		 "Without an argument the module's histogram (every timer since it was loaded),\n"
		 "with CTX the context's, with CTX:TIMER the timer's (timers created while\n"
		 "'histograms' was on). Prints count, min, mean, max, p50, p90, p99, p99.9 and "
		 "one\n"
		 "row per non-empty bucket: its range [from, to), a bar scaled to the largest\n"
		 "count, and the count.\n",
		 hist_options, cmd_hist},
		{"config", "print or change the module's settings", "config [-j] [KEY=VALUE...]",
		 "Without arguments prints every setting as KEY=VALUE. With arguments applies "
		 "them\n"
		 "in one request, all or nothing (needs CAP_SYS_ADMIN), and prints the result.\n"
		 "Keys:\n"
		 "  max_timers_per_ctx=N   timers per context, 1..1048576\n"
		 "  max_ring_entries=N     largest ring, a power of two, 2..1048576\n"
		 "  min_period_ns=TIME     shortest period without CAP_SYS_NICE, 0..1s\n"
		 "  histograms=on|off      per-timer histograms for new timers (also 1/0, "
		 "true/false)\n"
		 "  alarm_lateness_ns=TIME lateness that raises a lateness_alarm, 0 (off)..10s\n"
		 "  alarm_interval_ms=TIME at most one alarm per context per interval, 1..3600000\n"
		 "  max_contexts_per_user=N contexts one user may hold, 1..1048576\n"
		 "  max_timers_per_user=N  timers one user may hold in all contexts, 1..16777216\n"
		 "  max_user_rate=N        expirations per second of one user's periodic timers,\n"
		 "                         1..10000000000\n"
		 "TIME is a number in the key's unit, or with a unit: ns, us, ms, s (50us, "
		 "1.5ms).\n"
		 "An unknown key or a bad value is a usage error (exit 2); nothing is sent then.\n",
		 config_options, cmd_config},
		{"monitor", "print the module's notifications as they come",
		 "monitor [-j] [-c N] [-t SEC]",
		 "Subscribes to the monitor group (needs CAP_SYS_ADMIN) and prints one line per\n"
		 "notification: time, kind (ctx_new, ctx_del, overflow, lateness_alarm), context\n"
		 "and details; with -j one JSON object per line. Runs until SIGINT or SIGTERM\n"
		 "(exit 0), N notifications, or SEC seconds (with -c, fewer than N is a "
		 "failure).\n",
		 monitor_options, cmd_monitor},
		{"latency", "measure timer latency, like cyclictest",
		 "latency [-i US] [-d US] [-l N | -D TIME] [-t [N]] [-a [CPULIST]]\n"
		 "                [--timer-cpu CPULIST] [-p PRIO] [-m] [-h US [--histfile FILE]] "
		 "[-q]\n"
		 "                [-j] [--laptop] [--mode poll|uring|epoll] [--clock CLOCK] "
		 "[--soft]",
		 "cyclictest (rt-tests) with timerx timers: thread k owns a context with one\n"
		 "periodic timer of interval -i + k * -d, armed on an absolute grid, and waits\n"
		 "for its events by busy-polling the ring (poll), io_uring (uring) or epoll on\n"
		 "the context (epoll). For every event it measures the total lateness (seen by\n"
		 "the thread - expected) and its parts: kernel (hrtimer callback - expected) and\n"
		 "delivery (seen - callback). Prints cyclictest's per-thread lines (us: Min, Act,\n"
		 "Avg, Max of the total), live while it runs (redrawn on a terminal, once a\n"
		 "second otherwise; on stderr with -j), then a table of the percentiles of all\n"
		 "three and the overruns. -h adds cyclictest's histogram and footer (with -q\n"
		 "only them, as cyclictest -q -h; with --histfile into FILE) and gives every\n"
		 "thread the interval -i (-d is ignored, as in cyclictest); -j prints one JSON\n"
		 "line instead. Like cyclictest it writes 0 to /dev/cpu_dma_latency and keeps\n"
		 "it open for the run (no deep C-states), unless --laptop. Runs until -l cycles\n"
		 "per thread, -D, SIGINT or SIGTERM; results are printed in every case (exit 0).\n"
		 "Note: -h is the histogram here, help is --help.\n",
		 latency_options, cmd_latency},
		{"load", "load the module (modprobe semantics)",
		 "load [-p FILE.ko] [PARAM=VALUE...]",
		 "Loads timerx through libkmod, like modprobe: found in /lib/modules/$(uname -r),\n"
		 "or the file FILE.ko with --path; options from /etc/modprobe.d apply, then\n"
		 "PARAM=VALUE (checked against the module's parameters). Nothing happens when it\n"
		 "is loaded already. Needs CAP_SYS_MODULE.\n",
		 load_options, cmd_load},
		{"unload", "unload the module (refused while in use)", "unload",
		 "Unloads timerx (modprobe -r). Refused, with the open contexts listed, while any\n"
		 "process holds /dev/timerx open. Needs CAP_SYS_MODULE. Exit status 3 when it is\n"
		 "not loaded.\n",
		 unload_options, cmd_unload},
		{"help", "help on a command", "help [COMMAND]", "", help_opts, run_help},
	};
	return table;
}

int run_help(const Args &a, Io &io)
{
	if (a.positionals.empty()) {
		print_usage(io.out);
		return exit_ok;
	}
	if (a.positionals.size() > 1)
		throw UsageError("help takes one command");
	print_command_help(io.out, resolve_command(a.positionals[0]));
	return exit_ok;
}

/* What comes before the command: -h, --version, -j, -p (bundled too: -jp). */
struct GlobalOptions {
	bool help = false;
	bool version = false;
	bool json = false;
	bool pretty = false;
	std::size_t command_index = 0;
};

GlobalOptions parse_global_options(std::span<const std::string> argv)
{
	GlobalOptions g;
	std::size_t i = 0;
	for (; i < argv.size() && argv[i].size() > 1 && argv[i][0] == '-'; ++i) {
		const std::string &arg = argv[i];
		if (arg == "--") {
			++i;
			break;
		}
		if (arg == "--help")
			g.help = true;
		else if (arg == "--version")
			g.version = true;
		else if (arg == "--json")
			g.json = true;
		else if (arg == "--pretty")
			g.pretty = true;
		else if (arg[1] == '-')
			throw UsageError("unknown option " + arg + " (before the command)");
		else
			for (const char c : std::string_view(arg).substr(1)) {
				switch (c) {
				case 'h':
					g.help = true;
					break;
				case 'V':
					g.version = true;
					break;
				case 'j':
					g.json = true;
					break;
				case 'p':
					g.pretty = true;
					break;
				default:
					throw UsageError(std::string("unknown option -") + c +
							 " (before the command)");
				}
			}
	}
	g.command_index = i;
	return g;
}

void print_version(std::ostream &out)
{
	const timerx::Version v = timerx::version();
	out << "timerctl " << TIMERX_VERSION_MAJOR << '.' << TIMERX_VERSION_MINOR << '.'
	    << TIMERX_VERSION_PATCH << " (libtimerx " << v.major << '.' << v.minor << '.' << v.patch
	    << ", timerx UAPI " << TIMERX_API_VERSION << ")\n";
}

} // namespace

std::span<const Command> commands()
{
	return table_of_commands();
}

const Command *find_command(std::string_view name)
{
	for (const auto &c : commands())
		if (c.name == name)
			return &c;
	return nullptr;
}

const Command &resolve_command(std::string_view name)
{
	if (const Command *exact = find_command(name))
		return *exact;
	/* As ip(8) and bpftool(8): an unambiguous prefix names a command. */
	std::vector<const Command *> matches;
	if (!name.empty())
		for (const auto &c : commands())
			if (c.name.starts_with(name))
				matches.push_back(&c);
	if (matches.size() == 1)
		return *matches[0];
	if (matches.empty())
		throw UsageError("unknown command: " + std::string(name));
	std::string names;
	for (const Command *c : matches)
		names += (names.empty() ? "" : ", ") + std::string(c->name);
	throw UsageError("ambiguous command \"" + std::string(name) + "\": " + names);
}

bool has_option(const Command &c, std::string_view name)
{
	for (const auto &o : c.options)
		if (o.name == name)
			return true;
	return false;
}

void print_usage(std::ostream &out)
{
	out << "usage: timerctl [-h | --help] [--version] [-j | --json] [-p | --pretty] COMMAND "
	       "[ARGS...]\n\n"
	       "Inspect and administer the timerx kernel module.\n\n"
	       "Commands:\n";
	for (const auto &c : commands())
		out << "  " << std::left << std::setw(9) << c.name << c.summary << '\n';
	out << "\nA command may be abbreviated to an unambiguous prefix: 'timerctl st'.\n"
	       "Output: -j/--json, before the command or after it, for status, list, show,\n"
	       "hist, config, monitor and latency; -p/--pretty: JSON, indented;\n"
	       "--prometheus (text format 0.0.4) for status, list, show and hist.\n\n"
	    << exit_status_text
	    << "\n'timerctl help COMMAND' or 'timerctl COMMAND --help' shows a command's "
	       "options;\nsee timerctl(8).\n";
}

void print_command_help(std::ostream &out, const Command &c)
{
	std::string summary(c.summary);
	if (!summary.empty())
		summary[0] =
			static_cast<char>(std::toupper(static_cast<unsigned char>(summary[0])));
	out << "usage: timerctl " << c.synopsis << "\n\n" << summary << ".\n";
	if (!c.details.empty())
		out << '\n' << c.details;
	out << "\nOptions:\n";
	for (const auto &o : c.options) {
		std::string flags =
			o.short_name != 0 ? std::string("-") + o.short_name + ", " : "    ";
		flags += "--" + std::string(o.name);
		if (o.has_value)
			flags += " " + std::string(o.value_name);
		out << "  " << std::left << std::setw(22) << flags << o.help << '\n';
	}
	out << '\n' << exit_status_text;
}

int run_timerctl(std::span<const std::string> argv, Io &io)
{
	const Command *cmd = nullptr;
	try {
		const GlobalOptions g = parse_global_options(argv);
		if (g.help) {
			print_usage(io.out);
			return exit_ok;
		}
		if (g.version) {
			print_version(io.out);
			return exit_ok;
		}
		if (g.command_index == argv.size())
			throw UsageError("no command given");
		cmd = &resolve_command(argv[g.command_index]);
		Args a = parse_args(argv.subspan(g.command_index + 1), cmd->options);
		if (a.has("help")) {
			print_command_help(io.out, *cmd);
			return exit_ok;
		}
		if (g.json || g.pretty) {
			if (!has_option(*cmd, "json"))
				throw UsageError(std::string(cmd->name) + " has no JSON output");
			a.options["json"] = "";
		}
		if (!g.pretty)
			return cmd->run(a, io);
		timerx_tools::JsonPrettyStream pretty(io.out);
		Io pretty_io{pretty, io.err};
		const int rc = cmd->run(a, pretty_io);
		pretty.flush();
		return rc;
	} catch (const UsageError &e) {
		io.err << "timerctl: " << e.what() << '\n';
		if (cmd != nullptr && cmd->name != "help")
			io.err << "Try 'timerctl " << cmd->name << " --help'.\n";
		else
			io.err << "Try 'timerctl --help'.\n";
		return exit_usage;
	} catch (const Error &e) {
		io.err << "timerctl: " << e.what() << '\n';
		return e.code();
	} catch (const std::bad_alloc &) {
		io.err << "timerctl: out of memory\n";
		return exit_failure;
	} catch (const std::exception &e) {
		io.err << "timerctl: " << e.what() << '\n';
		return exit_failure;
	}
}

} // namespace timerctl
