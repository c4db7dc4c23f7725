// SPDX-License-Identifier: MIT
#include "sys.hpp"
#include "workloads.hpp"

namespace bench {

int run_w2(const Options &)
{
	diag("w2: not implemented yet");
	return exit_failed;
}

} // namespace bench
