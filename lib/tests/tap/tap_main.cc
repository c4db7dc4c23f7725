// SPDX-License-Identifier: MIT
/*
 * main() for every libtimerx test binary: GoogleTest with TAP output.
 */
#include "tap.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace timerx::test {

__attribute__((weak)) const char *skip_all_reason()
{
	return nullptr;
}

namespace {

/* Prints @text as TAP diagnostics: every line prefixed with "# ". */
void diag(const std::string &text)
{
	std::size_t start = 0;
	while (start <= text.size()) {
		std::size_t end = text.find('\n', start);
		if (end == std::string::npos)
			end = text.size();
		if (end > start)
			std::printf("# %s\n", text.substr(start, end - start).c_str());
		start = end + 1;
	}
}

class TapListener : public ::testing::EmptyTestEventListener {
public:
	void OnTestIterationStart(const ::testing::UnitTest &unit, int) override
	{
		std::printf("1..%d\n", unit.test_to_run_count());
		std::fflush(stdout);
	}

	void OnTestStart(const ::testing::TestInfo &) override { skip_reason_.clear(); }

	void OnTestPartResult(const ::testing::TestPartResult &r) override
	{
		if (r.skipped()) {
			skip_reason_ = r.message();
			return;
		}
		if (!r.failed())
			return;
		diag(std::string(r.file_name() != nullptr ? r.file_name() : "?") + ":" +
		     std::to_string(r.line_number()) + ": failure");
		diag(r.message());
	}

	void OnTestEnd(const ::testing::TestInfo &info) override
	{
		const ::testing::TestResult &r = *info.result();
		++n_;
		if (r.Failed()) {
			std::printf("not ok %d - %s.%s\n", n_, info.test_suite_name(), info.name());
		} else if (r.Skipped()) {
			std::string why = skip_reason_.empty() ? "skipped" : skip_reason_;
			for (char &c : why)
				if (c == '\n')
					c = ' ';
			std::printf("ok %d - %s.%s # SKIP %s\n", n_, info.test_suite_name(),
				    info.name(), why.c_str());
		} else {
			std::printf("ok %d - %s.%s\n", n_, info.test_suite_name(), info.name());
		}
		std::fflush(stdout);
	}

	void OnTestIterationEnd(const ::testing::UnitTest &unit, int) override
	{
		/* Failures outside any test (environments, suite set-up). */
		if (unit.ad_hoc_test_result().Failed())
			std::printf("Bail out! failure outside a test (set-up or tear-down)\n");
		std::fflush(stdout);
	}

private:
	int n_ = 0;
	std::string skip_reason_;
};

const char *program_name(const char *argv0)
{
	const char *slash = std::strrchr(argv0, '/');
	return slash != nullptr ? slash + 1 : argv0;
}

} // namespace

} // namespace timerx::test

int main(int argc, char **argv)
{
	bool tap = true;
	const char *mode = std::getenv("TIMERX_TEST_OUTPUT");
	if (mode != nullptr && std::strcmp(mode, "gtest") == 0)
		tap = false;
	int out = 1;
	for (int i = 1; i < argc; ++i) {
		if (std::strcmp(argv[i], "--gtest-native") == 0)
			tap = false;
		else
			argv[out++] = argv[i];
	}
	argc = out;
	argv[argc] = nullptr;

	::testing::InitGoogleTest(&argc, argv);

	if (const char *why = timerx::test::skip_all_reason()) {
		std::printf("1..1\nok 1 - %s # SKIP %s\n", timerx::test::program_name(argv[0]),
			    why);
		return 4; /* KSFT_SKIP */
	}

	if (tap) {
		::testing::TestEventListeners &listeners =
			::testing::UnitTest::GetInstance()->listeners();
		delete listeners.Release(listeners.default_result_printer());
		listeners.Append(new timerx::test::TapListener);
	}
	return RUN_ALL_TESTS();
}
