// The shared state of an ONNX import: tensor decoding, operand and result bookkeeping, typed
// attribute access and node-naming errors. See ImportContext.h.
#include "frontend/onnx/ImportContext.h"

#include "ir/ShapeInference.h"

#include <cmath>
#include <algorithm>
#include <cstring>
#include <limits>

namespace cnnc::frontend::onnximport {

namespace {

using onnx::TensorProto;

float half_to_float(uint16_t h) {
    const uint32_t sign = (h >> 15) & 1u, exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    float magnitude;
    if (exponent == 0)
        magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    else if (exponent == 31)
        magnitude = mantissa ? std::numeric_limits<float>::quiet_NaN()
                             : std::numeric_limits<float>::infinity();
    else
        magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
    return sign ? -magnitude : magnitude;
}

size_t element_bytes(int32_t dtype) {
    switch (dtype) {
    case TensorProto::FLOAT: case TensorProto::INT32: case TensorProto::UINT32: return 4;
    case TensorProto::DOUBLE: case TensorProto::INT64: case TensorProto::UINT64: return 8;
    case TensorProto::FLOAT16: case TensorProto::BFLOAT16: case TensorProto::INT16:
    case TensorProto::UINT16: return 2;
    case TensorProto::INT8: case TensorProto::UINT8: case TensorProto::BOOL: return 1;
    default: return 0;
    }
}

template <class T> T load(const char *p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

bool is_float_dtype(int32_t dtype) {
    return dtype == TensorProto::FLOAT || dtype == TensorProto::DOUBLE ||
           dtype == TensorProto::FLOAT16 || dtype == TensorProto::BFLOAT16;
}

// Characters the IR text format accepts in a value name; anything else becomes '_'.
bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.';
}

} // namespace

bool Known::is_float() const { return is_float_dtype(dtype); }

int64_t Known::size() const {
    return static_cast<int64_t>(is_float() ? floats.size() : ints.size());
}

std::vector<int64_t> Known::as_ints() const {
    if (!is_float())
        return ints;
    std::vector<int64_t> out;
    out.reserve(floats.size());
    for (double v : floats)
        out.push_back(std::isfinite(v) && std::fabs(v) < 9.2e18 ? static_cast<int64_t>(v) : 0);
    return out;
}

std::vector<double> Known::as_floats() const {
    if (is_float())
        return floats;
    return std::vector<double>(ints.begin(), ints.end());
}

Known Known::from_ints(ir::Dims dims, std::vector<int64_t> values) {
    Known k;
    k.dtype = TensorProto::INT64;
    k.dims = std::move(dims);
    k.ints = std::move(values);
    return k;
}

Known Known::from_floats(ir::Dims dims, std::vector<double> values, int32_t dtype) {
    Known k;
    k.dtype = dtype;
    k.dims = std::move(dims);
    k.floats = std::move(values);
    return k;
}

std::string onnx_dtype_name(int32_t dtype) {
    switch (dtype) {
    case TensorProto::FLOAT: return "float";
    case TensorProto::UINT8: return "uint8";
    case TensorProto::INT8: return "int8";
    case TensorProto::UINT16: return "uint16";
    case TensorProto::INT16: return "int16";
    case TensorProto::INT32: return "int32";
    case TensorProto::INT64: return "int64";
    case TensorProto::STRING: return "string";
    case TensorProto::BOOL: return "bool";
    case TensorProto::FLOAT16: return "float16";
    case TensorProto::DOUBLE: return "double";
    case TensorProto::UINT32: return "uint32";
    case TensorProto::UINT64: return "uint64";
    case TensorProto::COMPLEX64: return "complex64";
    case TensorProto::COMPLEX128: return "complex128";
    case TensorProto::BFLOAT16: return "bfloat16";
    default: return fmt::format("<element type {}>", dtype);
    }
}

Known decode_tensor(const TensorProto &t, const std::string &what) {
    Known k;
    k.dtype = t.data_type();
    int64_t count = 1;
    for (int64_t d : t.dims()) {
        if (d < 0 || (d > 0 && count > std::numeric_limits<int32_t>::max() / d))
            user_error("{}: dims {} are not a valid tensor shape", what,
                       ir::dims_to_string(ir::Dims(t.dims().begin(), t.dims().end())));
        count *= d;
        k.dims.push_back(d);
    }
    const size_t width = element_bytes(k.dtype);
    if (width == 0)
        user_error("{}: element type {} is not supported", what, onnx_dtype_name(k.dtype));
    if (t.has_segment())
        user_error("{}: segmented tensors are not supported", what);

    auto check_count = [&](int64_t found) {
        if (found != count)
            user_error("{}: holds {} values, but its dims {} need {}", what, found,
                       ir::dims_to_string(k.dims), count);
    };
    if (t.has_raw_data()) {
        const std::string &raw = t.raw_data();
        if (raw.size() % width != 0)
            user_error("{}: raw_data has {} bytes, not a multiple of the {}-byte {}", what,
                       raw.size(), width, onnx_dtype_name(k.dtype));
        check_count(static_cast<int64_t>(raw.size() / width));
        const char *p = raw.data();
        for (int64_t i = 0; i < count; ++i, p += width) {
            switch (k.dtype) {
            case TensorProto::FLOAT: k.floats.push_back(load<float>(p)); break;
            case TensorProto::DOUBLE: k.floats.push_back(load<double>(p)); break;
            case TensorProto::FLOAT16: k.floats.push_back(half_to_float(load<uint16_t>(p))); break;
            case TensorProto::BFLOAT16: {
                uint32_t bits = static_cast<uint32_t>(load<uint16_t>(p)) << 16;
                k.floats.push_back(load<float>(reinterpret_cast<const char *>(&bits)));
                break;
            }
            case TensorProto::INT8: k.ints.push_back(load<int8_t>(p)); break;
            case TensorProto::UINT8: case TensorProto::BOOL: k.ints.push_back(load<uint8_t>(p)); break;
            case TensorProto::INT16: k.ints.push_back(load<int16_t>(p)); break;
            case TensorProto::UINT16: k.ints.push_back(load<uint16_t>(p)); break;
            case TensorProto::INT32: k.ints.push_back(load<int32_t>(p)); break;
            case TensorProto::UINT32: k.ints.push_back(load<uint32_t>(p)); break;
            case TensorProto::INT64: k.ints.push_back(load<int64_t>(p)); break;
            case TensorProto::UINT64: k.ints.push_back(static_cast<int64_t>(load<uint64_t>(p))); break;
            }
        }
        return k;
    }
    switch (k.dtype) {
    case TensorProto::FLOAT:
        check_count(t.float_data_size());
        k.floats.assign(t.float_data().begin(), t.float_data().end());
        break;
    case TensorProto::DOUBLE:
        check_count(t.double_data_size());
        k.floats.assign(t.double_data().begin(), t.double_data().end());
        break;
    case TensorProto::INT64:
        check_count(t.int64_data_size());
        k.ints.assign(t.int64_data().begin(), t.int64_data().end());
        break;
    case TensorProto::UINT32: case TensorProto::UINT64:
        check_count(t.uint64_data_size());
        k.ints.assign(t.uint64_data().begin(), t.uint64_data().end());
        break;
    case TensorProto::FLOAT16: case TensorProto::BFLOAT16:
        // Stored as the 16-bit patterns in int32_data.
        check_count(t.int32_data_size());
        for (int32_t bits : t.int32_data()) {
            if (k.dtype == TensorProto::FLOAT16) {
                k.floats.push_back(half_to_float(static_cast<uint16_t>(bits)));
            } else {
                uint32_t wide = static_cast<uint32_t>(bits & 0xffff) << 16;
                float f;
                std::memcpy(&f, &wide, sizeof f);
                k.floats.push_back(f);
            }
        }
        break;
    default: // the remaining integer types and bool live in int32_data
        check_count(t.int32_data_size());
        k.ints.assign(t.int32_data().begin(), t.int32_data().end());
        break;
    }
    return k;
}

// --- the node --------------------------------------------------------------------------------

void Context::begin_node(const onnx::NodeProto &node, int index) {
    node_ = &node;
    origin_ = node.name().empty()
                  ? fmt::format("{}: node #{} ({})", filename_, index, node.op_type())
                  : fmt::format("{}: node \"{}\" ({})", filename_, node.name(), node.op_type());
}

// --- operands --------------------------------------------------------------------------------

bool Context::has_input(int i) const {
    return i < node_->input_size() && !node_->input(i).empty();
}

const std::string &Context::input_name(int i) const {
    if (!has_input(i))
        fail("input {} is required but not given", i);
    return node_->input(i);
}

const Context::Slot &Context::slot_of_input(int i) const {
    const std::string &name = input_name(i);
    auto it = slots_.find(name);
    if (it == slots_.end())
        fail("input {} \"{}\" is not defined by any node, initializer or graph input", i, name);
    return it->second;
}

ir::ValueId Context::value(int i) { return materialise(input_name(i), origin_); }

const Known *Context::known(int i) const {
    if (!has_input(i))
        return nullptr;
    return slot_of_input(i).known.get();
}

const Known &Context::require_known(int i, const char *what) const {
    const Known *k = known(i);
    if (!k)
        fail("input {} (\"{}\", the {}) must be a compile-time constant: cnnc compiles static "
             "shapes, and it is only known at run time",
             i, input_name(i), what);
    return *k;
}

ir::TensorType Context::type(int i) const {
    const Slot &slot = slot_of_input(i);
    if (slot.value)
        return g.type(*slot.value);
    internal_assert(slot.known, "slot of {} has neither value nor contents", input_name(i));
    ir::TensorType t;
    t.dims = slot.known->dims;
    switch (slot.known->dtype) {
    case onnx::TensorProto::INT64: t.dtype = ir::DType::i64; break;
    case onnx::TensorProto::INT32: t.dtype = ir::DType::i32; break;
    case onnx::TensorProto::INT8: t.dtype = ir::DType::i8; break;
    default: t.dtype = ir::DType::f32; break;
    }
    return t;
}

ir::Dims Context::dims_of_rank(int i, int64_t rank, const char *what) const {
    ir::TensorType t = type(i);
    if (t.rank() != rank)
        fail("expects a {}-D {} for input {} (\"{}\"), got {}", rank, what, i, input_name(i),
             ir::to_string(t));
    return t.dims;
}

void Context::require_f32(int i) const {
    const Slot &slot = slot_of_input(i);
    if (slot.known && !slot.known->is_float())
        fail("input {} (\"{}\") has element type {}; cnnc computes in float", i, input_name(i),
             onnx_dtype_name(slot.known->dtype));
    ir::TensorType t = type(i);
    if (t.dtype != ir::DType::f32)
        fail("input {} (\"{}\") is {}; cnnc computes in float", i, input_name(i),
             ir::to_string(t));
}

ir::ValueId Context::materialise(const std::string &onnx_name, const std::string &who) {
    auto it = slots_.find(onnx_name);
    if (it == slots_.end())
        user_error("{}: tensor \"{}\" is not defined by any node, initializer or graph input", who,
                   onnx_name);
    Slot &slot = it->second;
    if (!slot.value) {
        internal_assert(slot.known, "slot {} is empty", onnx_name);
        slot.value = constant(*slot.known, onnx_name);
    }
    return *slot.value;
}

ir::ValueId Context::constant(const Known &k, const std::string &base) {
    ir::TensorType type;
    type.dims = k.dims;
    if (k.is_float()) {
        type.dtype = ir::DType::f32;
    } else if (k.dtype == onnx::TensorProto::INT64) {
        type.dtype = ir::DType::i64;
    } else if (k.dtype == onnx::TensorProto::INT32) {
        type.dtype = ir::DType::i32;
    } else if (k.dtype == onnx::TensorProto::INT8) {
        type.dtype = ir::DType::i8;
    } else {
        user_error("{}: tensor \"{}\" has element type {}, which cnnc has no IR type for",
                   node_ ? origin_ : filename_, base, onnx_dtype_name(k.dtype));
    }
    std::vector<double> wide = k.as_floats();
    std::vector<float> values(wide.begin(), wide.end());
    auto data = ir::ConstantData::from_values(type, std::move(values));
    ir::ValueId id = g.add_constant(value_name(base), std::move(data), node_ ? origin_ : filename_);
    g.value(id).type = type;
    return id;
}

// --- results ---------------------------------------------------------------------------------

int Context::num_outputs() const {
    int n = 0;
    for (const std::string &name : node_->output())
        n += !name.empty();
    return n;
}

bool Context::has_output(int i) const {
    return i < node_->output_size() && !node_->output(i).empty();
}

void Context::set_result_types(ir::OpId op_id) {
    std::vector<ir::TensorType> types = ir::infer_op_types(g, g.op(op_id));
    const ir::Op &op = g.op(op_id);
    internal_assert(types.size() == op.outputs.size(), "{} result types for {} results",
                    types.size(), op.outputs.size());
    for (size_t r = 0; r < types.size(); ++r)
        g.value(op.outputs[r]).type = types[r];
}

ir::ValueId Context::emit(ir::OpKind kind, std::vector<ir::ValueId> inputs, ir::Attrs attrs,
                          int out) {
    if (!has_output(out))
        fail("output {} is required but not named", out);
    ir::ValueId v = g.add(kind, std::move(inputs), std::move(attrs),
                          value_name(node_->output(out)), origin_);
    set_result_types(g.value(v).producer);
    define(out, v);
    return v;
}

ir::ValueId Context::emit_temp(ir::OpKind kind, std::vector<ir::ValueId> inputs, ir::Attrs attrs,
                               const char *suffix) {
    std::string base = node_->output_size() > 0 && !node_->output(0).empty()
                           ? node_->output(0)
                           : (node_->name().empty() ? node_->op_type() : node_->name());
    ir::ValueId v = g.add(kind, std::move(inputs), std::move(attrs),
                          value_name(base + "." + suffix), origin_);
    set_result_types(g.value(v).producer);
    return v;
}

std::vector<ir::ValueId> Context::emit_multi(ir::OpKind kind, std::vector<ir::ValueId> inputs,
                                             ir::Attrs attrs, int num_results) {
    std::vector<std::string> names;
    for (int r = 0; r < num_results; ++r) {
        std::string base = has_output(r) ? node_->output(r)
                                         : fmt::format("{}.unused{}", node_->output(0), r);
        std::string name = value_name(base);
        // value_name() only sees names already in the graph, so keep these distinct too.
        for (int k = 1; std::find(names.begin(), names.end(), name) != names.end(); ++k)
            name = value_name(fmt::format("{}.{}", base, k));
        names.push_back(name);
    }
    std::vector<ir::ValueId> results =
        g.add_op(kind, std::move(inputs), std::move(attrs), names, origin_);
    set_result_types(g.value(results.at(0)).producer);
    for (int r = 0; r < num_results; ++r)
        if (has_output(r))
            define(r, results[static_cast<size_t>(r)]);
    return results;
}

void Context::define(int out, ir::ValueId value) {
    Slot slot;
    slot.value = value;
    slot.producer = origin_;
    define_slot(node_->output(out), std::move(slot));
}

void Context::define_known(int out, Known known) {
    if (!has_output(out))
        return;
    Slot slot;
    slot.known = std::make_shared<const Known>(std::move(known));
    slot.producer = origin_;
    define_slot(node_->output(out), std::move(slot));
}

void Context::define_slot(const std::string &onnx_name, Slot slot) {
    auto [it, inserted] = slots_.emplace(onnx_name, slot);
    if (!inserted)
        user_error("{}: tensor \"{}\" is defined twice: by {} and by {}",
                   slot.producer, onnx_name, it->second.producer, slot.producer);
}

std::string Context::value_name(const std::string &onnx_name) const {
    std::string name;
    for (char c : onnx_name)
        name += name_char(c) ? c : '_';
    if (name.empty())
        name = "v";
    return g.unique_name(name);
}

// --- attributes ------------------------------------------------------------------------------

const onnx::AttributeProto *Context::attr(const char *name) const {
    for (const onnx::AttributeProto &a : node_->attribute())
        if (a.name() == name)
            return &a;
    return nullptr;
}

namespace {
// Old exporters leave `type` unset; infer it from the field that holds the value.
onnx::AttributeProto::AttributeType attr_type(const onnx::AttributeProto &a) {
    if (a.type() != onnx::AttributeProto::UNDEFINED)
        return a.type();
    if (a.ints_size())
        return onnx::AttributeProto::INTS;
    if (a.floats_size())
        return onnx::AttributeProto::FLOATS;
    if (a.has_t())
        return onnx::AttributeProto::TENSOR;
    if (a.has_s())
        return onnx::AttributeProto::STRING;
    if (a.has_f())
        return onnx::AttributeProto::FLOAT;
    return onnx::AttributeProto::INT;
}
} // namespace

int64_t Context::attr_int(const char *name, int64_t fallback) const {
    const onnx::AttributeProto *a = attr(name);
    if (!a)
        return fallback;
    if (attr_type(*a) != onnx::AttributeProto::INT)
        fail("attribute '{}' should be an int", name);
    return a->i();
}

double Context::attr_float(const char *name, double fallback) const {
    const onnx::AttributeProto *a = attr(name);
    if (!a)
        return fallback;
    if (attr_type(*a) == onnx::AttributeProto::INT)
        return static_cast<double>(a->i());
    if (attr_type(*a) != onnx::AttributeProto::FLOAT)
        fail("attribute '{}' should be a float", name);
    return a->f();
}

std::string Context::attr_string(const char *name, const std::string &fallback) const {
    const onnx::AttributeProto *a = attr(name);
    if (!a)
        return fallback;
    if (attr_type(*a) != onnx::AttributeProto::STRING)
        fail("attribute '{}' should be a string", name);
    return a->s();
}

std::optional<std::vector<int64_t>> Context::attr_ints(const char *name) const {
    const onnx::AttributeProto *a = attr(name);
    if (!a)
        return std::nullopt;
    if (attr_type(*a) != onnx::AttributeProto::INTS)
        fail("attribute '{}' should be a list of ints", name);
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<std::vector<double>> Context::attr_floats(const char *name) const {
    const onnx::AttributeProto *a = attr(name);
    if (!a)
        return std::nullopt;
    if (attr_type(*a) != onnx::AttributeProto::FLOATS)
        fail("attribute '{}' should be a list of floats", name);
    return std::vector<double>(a->floats().begin(), a->floats().end());
}

int64_t Context::axis(int64_t axis, int64_t rank, const char *what) const {
    if (axis < -rank || axis >= rank)
        fail("{} {} is out of range for a rank-{} input", what, axis, rank);
    return axis < 0 ? axis + rank : axis;
}

} // namespace cnnc::frontend::onnximport
