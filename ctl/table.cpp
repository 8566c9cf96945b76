// Column widths from the widest line of each cell; multi-line cells continue below.
#include "table.hpp"

#include <algorithm>
#include <stdexcept>

namespace regcenter::ctl {
namespace {

constexpr std::size_t gap = 2;

// Display width, approximated by code points: wide (East Asian) characters count as one.
std::size_t width(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    }));
}

std::vector<std::string_view> lines_of(std::string_view cell) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (;;) {
        const auto newline = cell.find('\n', start);
        if (newline == std::string_view::npos) {
            lines.push_back(cell.substr(start));
            return lines;
        }
        lines.push_back(cell.substr(start, newline - start));
        start = newline + 1;
    }
}

}  // namespace

table::table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void table::add_row(std::vector<std::string> cells) {
    if (cells.size() > headers_.size()) {
        throw std::invalid_argument("table row has more cells than the table has columns");
    }
    cells.resize(headers_.size());
    rows_.push_back(std::move(cells));
}

std::string table::render() const {
    std::vector<std::size_t> widths(headers_.size());
    const auto measure = [&](const std::vector<std::string>& row) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            for (const auto line : lines_of(row[c])) {
                widths[c] = std::max(widths[c], width(line));
            }
        }
    };
    measure(headers_);
    for (const auto& row : rows_) {
        measure(row);
    }

    std::string out;
    const auto emit = [&](const std::vector<std::string>& row) {
        std::vector<std::vector<std::string_view>> cells;
        std::size_t height = 1;
        for (const auto& cell : row) {
            cells.push_back(lines_of(cell));
            height = std::max(height, cells.back().size());
        }
        for (std::size_t l = 0; l < height; ++l) {
            std::string line;
            for (std::size_t c = 0; c < cells.size(); ++c) {
                const std::string_view text = l < cells[c].size() ? cells[c][l] : "";
                line += text;
                if (c + 1 < cells.size()) {
                    line.append(widths[c] - width(text) + gap, ' ');
                }
            }
            while (line.ends_with(' ')) {
                line.pop_back();
            }
            out += line;
            out += '\n';
        }
    };
    emit(headers_);
    for (const auto& row : rows_) {
        emit(row);
    }
    return out;
}

}  // namespace regcenter::ctl
