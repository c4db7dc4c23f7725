// SPDX-License-Identifier: MIT
#include "table.hpp"

#include <algorithm>

namespace timerctl {

Table::Table(std::vector<Column> columns) : columns_(std::move(columns))
{
	widths_.reserve(columns_.size());
	for (const auto &c : columns_)
		widths_.push_back(display_width(c.name));
}

void Table::add_row(std::vector<std::string> cells)
{
	cells.resize(columns_.size());
	/* Kept up to date here, so that printing n rows is O(n) and not O(n^2). */
	for (std::size_t c = 0; c < columns_.size(); ++c)
		widths_[c] = std::max(widths_[c], display_width(cells[c]));
	rows_.push_back(std::move(cells));
}

void Table::append_line(std::string &out, const std::vector<std::string> &cells) const
{
	for (std::size_t c = 0; c < columns_.size(); ++c) {
		const std::string &cell = cells[c];
		const std::size_t pad = widths_[c] - display_width(cell);
		const bool last = c + 1 == columns_.size();
		if (c > 0)
			out += "  ";
		if (columns_[c].align == Align::right)
			out.append(pad, ' ');
		out += cell;
		if (columns_[c].align == Align::left && !last)
			out.append(pad, ' ');
	}
}

std::string Table::line(const std::vector<std::string> &cells) const
{
	std::string out;
	append_line(out, cells);
	return out;
}

std::string Table::header() const
{
	std::vector<std::string> names;
	for (const auto &c : columns_)
		names.push_back(c.name);
	return line(names);
}

std::string Table::row(std::size_t i) const
{
	return line(rows_.at(i));
}

void Table::print(std::ostream &out, std::string_view indent) const
{
	out << indent << header() << '\n';
	/* One buffer for every row: 100 000 rows are 100 000 allocations fewer. */
	std::string buf;
	for (const auto &r : rows_) {
		buf.assign(indent);
		append_line(buf, r);
		buf += '\n';
		out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
	}
}

} // namespace timerctl
