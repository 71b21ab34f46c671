// Per-kernel test cases: random inputs and reference outputs in kernel layout (see KernelTests.h).
#include "codegen/KernelTests.h"

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/FileIO.h"
#include "ir/Npy.h"
#include "reference/Interpreter.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <random>

namespace cnnc::codegen {

namespace {

std::string hw(const ir::Hw &v) { return v[0] == v[1] ? fmt::format("{}", v[0]) : fmt::format("{}x{}", v[0], v[1]); }

std::string epilogue_text(const ir::Op &op) {
    const ir::Epilogue e = ir::epilogue_of(op);
    std::string text;
    if (e.bias) text += "+bias";
    if (e.residual) text += "+residual";
    if (e.activation != "none") text += "+" + e.activation;
    return text.empty() ? "" : " " + text;
}

// "conv2d 1x64x56x56 -> 1x64x56x56 k3 s1 p1,1,1,1 +bias+relu"
std::string workload_text(const ir::Graph &g, const KernelPlan &plan) {
    const ir::Op &op = g.op(plan.op);
    std::vector<std::string> ins;
    for (ir::ValueId v : op.inputs)
        if (!g.constant_data(v)) ins.push_back(fmt::format("{}", fmt::join(g.type(v).dims, "x")));
    std::string text = fmt::format("{} {} -> {}", ir::op_name(op.kind), fmt::join(ins, ","),
                                   fmt::join(g.type(plan.output.value).dims, "x"));
    switch (op.kind) {
    case ir::OpKind::conv2d: {
        const auto &a = op.attr<ir::Conv2DAttrs>();
        text += fmt::format(" k{} s{} p{}", hw(a.kernel), hw(a.stride), fmt::join(a.pad, ","));
        if (a.dilation != ir::Hw{1, 1}) text += " d" + hw(a.dilation);
        if (a.groups != 1) text += fmt::format(" g{}", a.groups);
        return text + epilogue_text(op);
    }
    case ir::OpKind::max_pool:
    case ir::OpKind::avg_pool: {
        const auto &a = op.attr<ir::PoolAttrs>();
        return text + fmt::format(" k{} s{} p{}{}", hw(a.kernel), hw(a.stride), fmt::join(a.pad, ","),
                                  a.ceil_mode ? " ceil" : "");
    }
    case ir::OpKind::gemm: return text + epilogue_text(op);
    default: return text;
    }
}

// The npy shape of data dense in Halide dim order: the extents, outermost first.
ir::TensorType kernel_view_type(const BufferShape &shape) {
    ir::Dims dims(shape.extents.rbegin(), shape.extents.rend());
    if (dims.empty()) dims.push_back(1);
    return {ir::DType::f32, dims};
}

// A value's logical data, re-laid as the operand reads it: dense standard layout, which is the
// order in which a view of it enumerates its elements innermost first.
ir::Tensor to_kernel_view(const ir::Graph &g, const KernelOperand &o, const std::vector<float> &logical) {
    const ir::TensorType &type = g.type(o.value);
    ir::Tensor t(kernel_view_type(o.shape), to_standard_layout(type, logical));
    internal_assert(t.type.num_elements() == type.num_elements(),
                    "operand view {} of %{} has {} elements, the value {}", o.shape.to_string(), g.value(o.value).name,
                    t.type.num_elements(), type.num_elements());
    return t;
}

} // namespace

ir::Tensor random_test_tensor(const ir::TensorType &type, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    std::uniform_int_distribution<int> outlier(0, 7);
    ir::Tensor t(type);
    for (float &v : t.data) v = value(rng) * (outlier(rng) == 0 ? 8.0f : 1.0f);
    return t;
}

std::vector<KernelCase> make_kernel_cases(const ir::Graph &g, const ModelPlan &plan, uint64_t seed) {
    std::vector<KernelCase> cases;
    std::map<std::string, size_t> seen; // function -> case
    for (size_t i = 0; i < plan.kernels.size(); ++i) {
        const KernelPlan &k = plan.kernels[i];
        if (auto it = seen.find(k.function_name); it != seen.end()) {
            ++cases[it->second].calls;
            continue;
        }
        seen[k.function_name] = cases.size();
        const ir::Op &op = g.op(k.op);
        KernelCase c;
        c.kernel = static_cast<int>(i);
        c.calls = 1;
        c.function = k.function_name;
        c.algorithm = k.algorithm;
        c.workload = workload_text(g, k);
        // One random tensor per distinct non-constant value (an op may read a value twice).
        std::map<ir::ValueId, ir::Tensor> values;
        uint64_t value_seed = seed ^ stable_hash(k.function_name);
        for (ir::ValueId v : op.inputs) {
            if (values.count(v)) continue;
            if (const ir::ConstantData *data = g.constant_data(v))
                values.emplace(v, ir::Tensor(data->type(), data->values()));
            else
                values.emplace(v, random_test_tensor(g.type(v), value_seed++));
        }
        std::vector<const ir::Tensor *> operands;
        for (ir::ValueId v : op.inputs) operands.push_back(&values.at(v));
        const std::vector<ir::Tensor> results = reference::evaluate_op(g, op, operands);
        for (size_t a = 0; a < k.inputs.size(); ++a) {
            const KernelOperand &o = k.inputs[a];
            if (g.constant_data(o.value)) continue;
            c.inputs.emplace_back(static_cast<int>(a), to_kernel_view(g, o, values.at(o.value).data));
        }
        c.output_operand = static_cast<int>(k.inputs.size());
        c.expected = to_kernel_view(g, k.output, results.at(static_cast<size_t>(k.result_index)).data);
        cases.push_back(std::move(c));
    }
    return cases;
}

std::string kernel_output_path(const std::string &dir, const KernelCase &c) {
    return fmt::format("{}/kernel-{}/out.npy", dir, c.kernel);
}

void write_kernel_cases(const std::vector<KernelCase> &cases, const std::string &dir) {
    std::string manifest;
    for (const KernelCase &c : cases) {
        const std::string folder = fmt::format("{}/kernel-{}", dir, c.kernel);
        std::error_code ec;
        std::filesystem::create_directories(folder, ec);
        if (ec) user_error("cannot create {}: {}", folder, ec.message());
        manifest += fmt::format("{} {} {}", c.kernel, c.function, c.output_operand);
        for (const auto &[operand, tensor] : c.inputs) {
            ir::write_npy(fmt::format("{}/in{}.npy", folder, operand), tensor);
            manifest += fmt::format(" {}", operand);
        }
        manifest += "\n";
        ir::write_npy(folder + "/expected.npy", c.expected);
    }
    write_file_atomically(dir + "/kernels.txt", manifest);
}

Comparison compare_outputs(const std::vector<float> &got, const std::vector<float> &want, double tolerance) {
    internal_assert(got.size() == want.size(), "comparing {} values with {}", got.size(), want.size());
    Comparison c;
    double scale = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
        const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
        c.max_abs = std::max(c.max_abs, std::isnan(d) ? INFINITY : d);
    }
    // An all-zero reference (a ReLU of negatives): any nonzero output is an error of scale 1.
    c.max_rel = c.max_abs / std::max(scale, 1e-30);
    if (scale == 0) c.max_rel = c.max_abs;
    c.pass = c.max_rel <= tolerance;
    return c;
}

} // namespace cnnc::codegen
