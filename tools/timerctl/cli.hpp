// SPDX-License-Identifier: MIT
/*
 * timerctl: exit codes, errors, the option parser and the command table.
 *
 * Every command is parse + run: parsing checks the whole command line and
 * throws UsageError (exit 2) before anything talks to the kernel.
 */
#ifndef TIMERCTL_CLI_HPP
#define TIMERCTL_CLI_HPP

#include <timerx/error.hpp>

#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace timerx {
class Control;
}

namespace timerctl {

/* Exit status (documented in timerctl(8) and --help). */
enum Exit : int {
	exit_ok = 0,
	exit_failure = 1,
	exit_usage = 2,
	exit_not_loaded = 3,
	exit_permission = 4,
	exit_no_such = 5,
};

/* A failure: main prints "timerctl: what()" and exits with code(). */
class Error : public std::runtime_error {
public:
	Error(int code, const std::string &msg) : std::runtime_error(msg), code_(code) {}
	[[nodiscard]] int code() const noexcept { return code_; }

private:
	int code_;
};

/* A bad command line (exit 2); main adds a pointer to --help. */
class UsageError : public Error {
public:
	explicit UsageError(const std::string &msg) : Error(exit_usage, msg) {}
};

/* Where output goes; tests use string streams. */
struct Io {
	std::ostream &out;
	std::ostream &err;
};

/* ------------------------------------------------------------ options */

struct OptSpec {
	std::string_view name; /* long name, without "--" */
	char short_name = 0;   /* 0: none */
	bool has_value = false;
	std::string_view value_name = {}; /* for help: "N" */
	std::string_view help = {};
	/*
	 * With has_value: the value may be left out (as cyclictest's -t and
	 * -a): attached (-t4, --threads=4), or the next argument when it
	 * starts with a digit (-t 4); else the option is there with "".
	 */
	bool optional_value = false;
};

/* Options by long name (last one wins), positionals in order. */
struct Args {
	std::map<std::string, std::string, std::less<>> options;
	std::vector<std::string> positionals;

	[[nodiscard]] bool has(std::string_view name) const
	{
		return options.find(name) != options.end();
	}
	[[nodiscard]] std::optional<std::string> value(std::string_view name) const
	{
		auto it = options.find(name);
		if (it == options.end())
			return std::nullopt;
		return it->second;
	}
};

/*
 * getopt_long-like: --name, --name=value, --name value, -x, -xVALUE,
 * -x VALUE, bundled flags (-jt), "--" ends the options, optional values
 * (OptSpec::optional_value). Options may come after positionals. Unknown
 * options and missing values: UsageError.
 */
Args parse_args(std::span<const std::string> argv, std::span<const OptSpec> specs);

/* ------------------------------------------------------------ output format */

enum class Format { text, json, prometheus };

/* -j/--json and --prometheus (when @prometheus_ok); both: UsageError. */
Format format_from(const Args &a, bool prometheus_ok);

/* The common option specs. */
inline constexpr OptSpec opt_help{"help", 'h', false, {}, "show this help"};
inline constexpr OptSpec opt_json{"json", 'j', false, {}, "JSON output"};
inline constexpr OptSpec opt_prometheus{
	"prometheus", 0, false, {}, "Prometheus text format (node_exporter textfile collector)"};

/* ------------------------------------------------------------ commands */

struct Command {
	std::string_view name;
	std::string_view summary;  /* one line, for the command list */
	std::string_view synopsis; /* "status [-j|--prometheus]" */
	std::string_view details;  /* paragraphs after the synopsis */
	std::span<const OptSpec> options;
	int (*run)(const Args &args, Io &io);
};

/* The dispatch table, in --help order. */
std::span<const Command> commands();
/* The command named exactly @name, or nullptr. */
const Command *find_command(std::string_view name);
/* By name or unambiguous prefix; UsageError naming the candidates otherwise. */
const Command &resolve_command(std::string_view name);

/* The program: argv without argv[0]. Returns the exit status. */
int run_timerctl(std::span<const std::string> argv, Io &io);

void print_usage(std::ostream &out);
void print_command_help(std::ostream &out, const Command &c);

/* ------------------------------------------------------------ kernel access */

/*
 * The exit status for a negative errno: EPERM/EACCES -> 4, ENOENT ->
 * @enoent_code, anything else 1.
 */
int exit_code_for(int neg_errno, int enoent_code = exit_failure);

/* "WHAT: strerror[: extack]" as an Error with exit_code_for(). */
[[noreturn]] void fail(int neg_errno, const std::string &what, int enoent_code = exit_failure,
		       const std::string &extack = {});

/*
 * Control::open(), or an Error: exit 3 with "timerx module is not loaded"
 * when the family is missing (the message says so too when libkmod
 * finds the module loaded without it), 4 for EPERM, else 1.
 */
void open_control(timerx::Control &c);

/* A libtimerx Result as 0 / -errno, its value moved into @out on success. */
template <class T>
[[nodiscard]] int take(timerx::Result<T> &&r, T &out)
{
	if (!r)
		return -r.error().code();
	out = std::move(r).value();
	return 0;
}

/* Message for a missing family: asks libkmod whether the module is there. */
std::string not_loaded_message();

} // namespace timerctl

#endif /* TIMERCTL_CLI_HPP */
