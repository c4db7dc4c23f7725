// SPDX-License-Identifier: MIT
/*
 * Aligned text tables (list, show, hist, latency): columns as wide as
 * their widest cell in terminal columns, two spaces apart.
 */
#ifndef TIMERCTL_TABLE_HPP
#define TIMERCTL_TABLE_HPP

#include "tools_common.hpp"

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace timerctl {

class Table {
public:
	enum class Align { left, right };
	struct Column {
		std::string name;
		Align align = Align::left;
	};

	explicit Table(std::vector<Column> columns);

	void add_row(std::vector<std::string> cells);
	[[nodiscard]] std::size_t rows() const noexcept { return rows_.size(); }

	/* The header and row @i, aligned over every row, without newline. */
	[[nodiscard]] std::string header() const;
	[[nodiscard]] std::string row(std::size_t i) const;
	/* Header and all rows, each line prefixed with @indent. */
	void print(std::ostream &out, std::string_view indent = "") const;

private:
	[[nodiscard]] std::string line(const std::vector<std::string> &cells) const;
	void append_line(std::string &out, const std::vector<std::string> &cells) const;

	std::vector<Column> columns_;
	std::vector<std::vector<std::string>> rows_;
	/* Per column: the widest of its name and its cells so far. */
	std::vector<std::size_t> widths_;
};

} // namespace timerctl

#endif /* TIMERCTL_TABLE_HPP */
