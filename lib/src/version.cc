// SPDX-License-Identifier: MIT
#include <timerx/version.hpp>

namespace timerx {

Version version() noexcept
{
	return header_version;
}

unsigned api_version() noexcept
{
	return TIMERX_API_VERSION;
}

} // namespace timerx
