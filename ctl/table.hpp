// Plain-text tables as `ps` and `kubectl get` print them: a header line, columns separated by
// two spaces, no borders, so that the output is easy to read and to cut/awk.
#pragma once

#include <string>
#include <vector>

namespace regcenter::ctl {

class table {
  public:
    explicit table(std::vector<std::string> headers);

    /// Adds a row; missing cells are empty, extra cells are an error (std::invalid_argument).
    /// A cell may hold several lines: the row then spans several lines, the other columns empty
    /// on the continuation lines.
    void add_row(std::vector<std::string> cells);

    std::size_t rows() const { return rows_.size(); }

    /// The header and the rows, each line ending in '\n'. Widths count UTF-8 code points, not
    /// bytes; the last column is not padded and no line has trailing spaces.
    std::string render() const;

  private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace regcenter::ctl
