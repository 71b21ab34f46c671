// .npy reading and writing: the exact bytes numpy writes, the header variants numpy may produce,
// and each kind of file cnnc must refuse with a message naming the file.
#include "ir/Npy.h"
#include "ir/Error.h"

#include "tests/FreshDir.h"

#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace cnnc;
using namespace cnnc::ir;

namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string &name) { return testing::fresh_dir("cnnc-npy", name); }

// A .npy file as numpy lays it out: magic, version, little-endian header length, header, data.
std::string npy_bytes(int major, const std::string &header, const std::vector<float> &values) {
    std::string bytes = "\x93NUMPY";
    bytes.push_back(static_cast<char>(major));
    bytes.push_back('\0');
    const size_t length_bytes = major == 1 ? 2 : 4;
    for (size_t i = 0; i < length_bytes; ++i)
        bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
    bytes += header;
    bytes.append(reinterpret_cast<const char *>(values.data()), values.size() * 4);
    return bytes;
}

std::string error_of(const std::string &bytes, const std::string &what) {
    try {
        parse_npy(bytes, what);
    } catch (const CompileError &e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("npy: serialize writes numpy's exact version 1.0 layout") {
    const Tensor t(TensorType{DType::f32, {2, 3}}, {0, 1, 2, 3, 4, 5});
    const std::string bytes = serialize_npy(t);
    REQUIRE(bytes.size() > 10);
    CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
    const size_t header_length =
        static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    // The data starts 64-byte aligned, and the header ends with a newline, as numpy writes it.
    CHECK((10 + header_length) % 64 == 0);
    CHECK(header_length == 118);
    const std::string header = bytes.substr(10, header_length);
    CHECK(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0) == 0);
    CHECK(header.back() == '\n');
    CHECK(header.find_first_not_of(' ', 60) == header_length - 1);
    CHECK(bytes.size() == 10 + header_length + 6 * 4);
    float third = 0;
    std::memcpy(&third, bytes.data() + 10 + header_length + 8, 4);
    CHECK(third == 2.0f);
}

TEST_CASE("npy: shapes () and (3,) are written as Python tuples and read back") {
    const Tensor scalar(TensorType{DType::f32, {}}, {7.5f});
    CHECK(serialize_npy(scalar).find("'shape': (), }") != std::string::npos);
    const Tensor back = parse_npy(serialize_npy(scalar), "scalar.npy");
    CHECK(back.type == scalar.type);
    CHECK(back.data == std::vector<float>{7.5f});

    const Tensor vec(TensorType{DType::f32, {3}}, {1, -2, 3.25f});
    CHECK(serialize_npy(vec).find("'shape': (3,), }") != std::string::npos);
    CHECK(parse_npy(serialize_npy(vec), "vec.npy").data == vec.data);

    const Tensor empty(TensorType{DType::f32, {0, 4}}, {});
    CHECK(parse_npy(serialize_npy(empty), "empty.npy").type.dims == Dims{0, 4});
}

TEST_CASE("npy: write_npy then read_npy round-trips values, and leaves no temporary file") {
    const fs::path dir = fresh_dir("roundtrip");
    std::vector<float> values;
    for (int i = 0; i < 2 * 3 * 4 * 5; ++i)
        values.push_back(static_cast<float>(i) * 0.1f - 3.0f);
    const Tensor t(TensorType{DType::f32, {2, 3, 4, 5}}, values);
    const std::string path = (dir / "t.npy").string();
    write_npy(path, t);
    // Overwriting an existing file goes through the same rename.
    write_npy(path, t);
    const Tensor back = read_npy(path);
    CHECK(back.type == t.type);
    CHECK(back.data == values);
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
    fs::remove_all(dir);
}

TEST_CASE("npy: reads version 2.0 and 3.0 headers, keys in any order, either quote style") {
    const std::vector<float> values{1, 2, 3, 4};
    const std::string header =
        "{\"shape\": (2,2), \"fortran_order\": False, \"descr\": \"<f4\"}  \n";
    for (int major : {2, 3}) {
        const Tensor t = parse_npy(npy_bytes(major, header, values), "v.npy");
        CHECK(t.type.dims == Dims{2, 2});
        CHECK(t.data == values);
    }
}

TEST_CASE("npy: rejects other dtypes, Fortran order, bad magic, and wrong data sizes") {
    const std::vector<float> six(6, 1.0f);
    CHECK(
        error_of(npy_bytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }\n", six),
                 "x.npy") == "x.npy: dtype '<f8' is not supported; cnnc reads float32 ('<f4')");
    CHECK(error_of(npy_bytes(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }\n", six),
                   "big.npy") ==
          "big.npy: dtype '>f4' is not supported; cnnc reads float32 ('<f4')");
    CHECK(
        error_of(npy_bytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n", six),
                 "f.npy")
            .rfind("f.npy: fortran_order: True is not supported; expected C order", 0) == 0);
    CHECK(error_of("PK\x03\x04 this is a zip file", "w.npz") ==
          "w.npz: not a .npy file (bad magic)");
    CHECK(error_of(npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n",
                             std::vector<float>(5, 0.0f)),
                   "t.npy") == "t.npy: truncated: header says 6 values, file has 5");
    CHECK(error_of(npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n",
                             std::vector<float>(7, 0.0f)),
                   "long.npy") ==
          "long.npy: 4 bytes after the 6 values the header's shape (2, 3) holds");
    CHECK(error_of(npy_bytes(4, "{}", {}), "v4.npy") ==
          "v4.npy: .npy format version 4.0 is not supported; expected 1.0, 2.0 or 3.0");
    CHECK(error_of(npy_bytes(1, "{'descr': '<f4', 'shape': (2, 3), }\n", six), "k.npy")
              .find("expected the keys 'descr', 'fortran_order' and 'shape'") != std::string::npos);
}

TEST_CASE("npy: read_npy names the file it cannot open") {
    try {
        read_npy("/nonexistent/cnnc/w.npy");
        FAIL("expected an error");
    } catch (const CompileError &e) {
        CHECK(std::string(e.what()) ==
              "/nonexistent/cnnc/w.npy: cannot open: No such file or directory");
    }
}
