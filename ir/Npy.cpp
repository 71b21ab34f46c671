// NumPy .npy reading and writing. The header is a Python dict literal; we parse just enough of
// Python's syntax (quoted strings, True/False, a tuple of integers) to read what numpy writes,
// in any key order and with either quote style, and reject every dtype or layout cnnc does not
// compute in, so a wrong file fails at load time with its name instead of producing garbage.
#include "ir/Npy.h"

#include "ir/Error.h"
#include "ir/FileIO.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>

#include <unistd.h>

namespace cnnc::ir {

namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the .npy code copies '<f4' data as-is, which needs a little-endian host");

constexpr std::string_view magic = "\x93NUMPY";

uint32_t read_le(const std::string &bytes, size_t at, size_t width) {
    uint32_t result = 0;
    for (size_t i = 0; i < width; ++i)
        result |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    return result;
}

// A cursor over the header's dict literal. Errors name the file and what was found.
class HeaderReader {
  public:
    HeaderReader(std::string_view text, const std::string &what) : text_(text), what_(what) {}

    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }
    bool accept(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    void expect(char c, std::string_view context) {
        if (!accept(c))
            fail(fmt::format("expected '{}' {}", c, context));
    }
    std::string string_literal() {
        skip_space();
        if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
            fail("expected a quoted string");
        const char quote = text_[pos_++];
        const size_t end = text_.find(quote, pos_);
        if (end == std::string_view::npos)
            fail("unterminated string");
        std::string result(text_.substr(pos_, end - pos_));
        pos_ = end + 1;
        return result;
    }
    std::string word() {
        skip_space();
        const size_t start = pos_;
        while (pos_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
            ++pos_;
        return std::string(text_.substr(start, pos_ - start));
    }
    int64_t integer() {
        const std::string digits = word();
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
            fail(fmt::format("expected a dimension, found '{}'", digits));
        // Python writes large ints as plain digits (older numpy appended 'L'; not supported).
        if (digits.size() > 18)
            fail(fmt::format("dimension {} is too large", digits));
        return std::stoll(digits);
    }
    [[noreturn]] void fail(const std::string &message) const {
        user_error("{}: bad .npy header: {} at offset {} of \"{}\"", what_, message, pos_,
                   std::string(text_));
    }
    bool at_end() {
        skip_space();
        return pos_ >= text_.size();
    }

  private:
    std::string_view text_;
    const std::string &what_;
    size_t pos_ = 0;
};

struct Header {
    std::string descr;
    bool fortran_order = false;
    Dims shape;
};

Header parse_header(std::string_view text, const std::string &what) {
    HeaderReader in(text, what);
    Header header;
    bool have_descr = false, have_order = false, have_shape = false;
    in.expect('{', "at the start of the header");
    while (!in.accept('}')) {
        const std::string key = in.string_literal();
        in.expect(':', fmt::format("after key '{}'", key));
        if (key == "descr") {
            header.descr = in.string_literal();
            have_descr = true;
        } else if (key == "fortran_order") {
            const std::string value = in.word();
            if (value != "True" && value != "False")
                in.fail(fmt::format("expected True or False for fortran_order, found '{}'", value));
            header.fortran_order = value == "True";
            have_order = true;
        } else if (key == "shape") {
            in.expect('(', "to start the shape tuple");
            while (!in.accept(')')) {
                header.shape.push_back(in.integer());
                if (!in.accept(',')) {
                    in.expect(')', "or ',' in the shape tuple");
                    break;
                }
            }
            have_shape = true;
        } else {
            in.fail(fmt::format("unknown key '{}'", key));
        }
        if (!in.accept(',')) {
            in.expect('}', "or ',' after a dict entry");
            break;
        }
    }
    if (!in.at_end())
        in.fail("trailing characters after the dict");
    if (!have_descr || !have_order || !have_shape)
        in.fail("expected the keys 'descr', 'fortran_order' and 'shape'");
    return header;
}

std::string shape_string(const Dims &dims) {
    if (dims.size() == 1)
        return fmt::format("({},)", dims[0]);
    std::string result = "(";
    for (size_t i = 0; i < dims.size(); ++i)
        result += fmt::format("{}{}", i ? ", " : "", dims[i]);
    return result + ")";
}

} // namespace

Tensor parse_npy(const std::string &bytes, const std::string &what) {
    if (bytes.size() < 10 || std::string_view(bytes).substr(0, magic.size()) != magic)
        user_error("{}: not a .npy file (bad magic)", what);
    const int major = static_cast<unsigned char>(bytes[6]);
    const int minor = static_cast<unsigned char>(bytes[7]);
    if (major < 1 || major > 3 || minor != 0)
        user_error("{}: .npy format version {}.{} is not supported; expected 1.0, 2.0 or 3.0", what,
                   major, minor);
    // Version 1 has a 2-byte header length; 2 and 3 have 4 bytes (3 only allows UTF-8 in it).
    const size_t length_bytes = major == 1 ? 2 : 4;
    const size_t prefix = 6 + 2 + length_bytes;
    if (bytes.size() < prefix)
        user_error("{}: truncated .npy header", what);
    const size_t header_length = read_le(bytes, 8, length_bytes);
    if (bytes.size() < prefix + header_length)
        user_error("{}: truncated .npy header: it says {} bytes, file has {}", what, header_length,
                   bytes.size() - prefix);
    const Header header = parse_header(std::string_view(bytes).substr(prefix, header_length), what);

    if (header.descr != "<f4")
        user_error("{}: dtype '{}' is not supported; cnnc reads float32 ('<f4')", what,
                   header.descr);
    if (header.fortran_order)
        user_error("{}: fortran_order: True is not supported; expected C order (save with "
                   "numpy.ascontiguousarray)",
                   what);
    int64_t count = 1;
    for (int64_t d : header.shape) {
        if (d != 0 && count > std::numeric_limits<int64_t>::max() / 4 / d)
            user_error("{}: shape {} is too large", what, shape_string(header.shape));
        count *= d;
    }
    const size_t data_bytes = bytes.size() - prefix - header_length;
    if (data_bytes < static_cast<size_t>(count) * 4)
        user_error("{}: truncated: header says {} values, file has {}", what, count,
                   data_bytes / 4);
    if (data_bytes > static_cast<size_t>(count) * 4)
        user_error("{}: {} bytes after the {} values the header's shape {} holds", what,
                   data_bytes - static_cast<size_t>(count) * 4, count, shape_string(header.shape));

    Tensor tensor(TensorType{DType::f32, header.shape});
    if (count > 0)
        std::memcpy(tensor.data.data(), bytes.data() + prefix + header_length, count * 4);
    return tensor;
}

std::string serialize_npy(const Tensor &tensor) {
    internal_assert(tensor.type.dtype == DType::f32, "write_npy of a {} tensor",
                    to_string(tensor.type));
    internal_assert(tensor.size() == tensor.type.num_elements(), "tensor {} holds {} values",
                    to_string(tensor.type), tensor.size());
    std::string dict = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': {}, }}",
                                   shape_string(tensor.type.dims));
    // numpy pads with spaces and ends with '\n' so the data starts 64-byte aligned.
    const size_t unpadded = magic.size() + 2 + 2 + dict.size() + 1;
    const size_t padding = (64 - unpadded % 64) % 64;
    dict.append(padding, ' ');
    dict.push_back('\n');
    internal_assert(dict.size() <= 0xffff, ".npy header of {} bytes needs format 2.0", dict.size());

    std::string bytes(magic);
    bytes.push_back('\x01');
    bytes.push_back('\x00');
    bytes.push_back(static_cast<char>(dict.size() & 0xff));
    bytes.push_back(static_cast<char>(dict.size() >> 8));
    bytes += dict;
    bytes.append(reinterpret_cast<const char *>(tensor.data.data()), tensor.data.size() * 4);
    return bytes;
}

Tensor read_npy(const std::string &path) { return parse_npy(read_file(path), path); }

void write_npy(const std::string &path, const Tensor &tensor) {
    write_file_atomically(path, serialize_npy(tensor));
}

} // namespace cnnc::ir
