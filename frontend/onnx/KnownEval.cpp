// Evaluation of ONNX ops on tensors known at import time. See KnownEval.h.
#include "frontend/onnx/KnownEval.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <limits>

namespace cnnc::frontend::onnximport {

namespace {

int64_t product(const ir::Dims &dims) {
    int64_t n = 1;
    for (int64_t d : dims)
        n *= d;
    return n;
}

std::vector<int64_t> strides_of(const ir::Dims &dims) {
    std::vector<int64_t> s(dims.size(), 1);
    for (int64_t i = static_cast<int64_t>(dims.size()) - 2; i >= 0; --i)
        s[i] = s[i + 1] * dims[i + 1];
    return s;
}

// Copies element `from` of `src` to the end of `dst` (same element kind).
void append_element(Known &dst, const Known &src, int64_t from) {
    if (src.is_float())
        dst.floats.push_back(src.floats[static_cast<size_t>(from)]);
    else
        dst.ints.push_back(src.ints[static_cast<size_t>(from)]);
}

Known empty_like(const Known &k, ir::Dims dims) {
    Known out;
    out.dtype = k.dtype;
    out.dims = std::move(dims);
    return out;
}

// Limits what a malformed model can make the importer allocate while folding.
constexpr int64_t max_known_elements = int64_t{1} << 26;

void check_size(const Context &ctx, const ir::Dims &dims) {
    int64_t n = 1;
    for (int64_t d : dims) {
        if (d < 0)
            ctx.fail("computes a negative dim in {}", ir::dims_to_string(dims));
        if (d > 0 && n > max_known_elements / d)
            ctx.fail("folds to a constant of {} dims, too large", ir::dims_to_string(dims));
        n *= d;
    }
}

} // namespace

Known known_binary(const Context &ctx, const Known &a, const Known &b, BinaryOp op) {
    const size_t rank = std::max(a.dims.size(), b.dims.size());
    ir::Dims out(rank), ad(rank, 1), bd(rank, 1);
    std::copy(a.dims.begin(), a.dims.end(), ad.begin() + (rank - a.dims.size()));
    std::copy(b.dims.begin(), b.dims.end(), bd.begin() + (rank - b.dims.size()));
    for (size_t i = 0; i < rank; ++i) {
        if (ad[i] != bd[i] && ad[i] != 1 && bd[i] != 1)
            ctx.fail("operands {} and {} do not broadcast", ir::dims_to_string(a.dims),
                     ir::dims_to_string(b.dims));
        out[i] = ad[i] == 1 ? bd[i] : ad[i];
    }
    check_size(ctx, out);
    const bool as_float = a.is_float() || b.is_float();
    Known r = as_float ? Known::from_floats(out, {}, a.is_float() ? a.dtype : b.dtype)
                       : Known::from_ints(out, {});
    if (!as_float)
        r.dtype = a.dtype;
    const std::vector<double> af = as_float ? a.as_floats() : std::vector<double>{};
    const std::vector<double> bf = as_float ? b.as_floats() : std::vector<double>{};
    const std::vector<int64_t> as = strides_of(ad), bs = strides_of(bd), os = strides_of(out);
    const int64_t n = product(out);
    for (int64_t flat = 0; flat < n; ++flat) {
        int64_t ia = 0, ib = 0, rest = flat;
        for (size_t i = 0; i < rank; ++i) {
            const int64_t idx = rest / os[i];
            rest %= os[i];
            ia += (ad[i] == 1 ? 0 : idx) * as[i];
            ib += (bd[i] == 1 ? 0 : idx) * bs[i];
        }
        if (as_float) {
            const double x = af[static_cast<size_t>(ia)], y = bf[static_cast<size_t>(ib)];
            r.floats.push_back(op == BinaryOp::add   ? x + y
                               : op == BinaryOp::sub ? x - y
                               : op == BinaryOp::mul ? x * y
                                                     : x / y);
        } else {
            const int64_t x = a.ints[static_cast<size_t>(ia)], y = b.ints[static_cast<size_t>(ib)];
            if (op == BinaryOp::div && y == 0)
                ctx.fail("divides by zero while folding shape arithmetic");
            // Wrapping arithmetic: a hostile model must not reach signed-overflow UB.
            const uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
            r.ints.push_back(op == BinaryOp::add   ? static_cast<int64_t>(ux + uy)
                             : op == BinaryOp::sub ? static_cast<int64_t>(ux - uy)
                             : op == BinaryOp::mul ? static_cast<int64_t>(ux * uy)
                             : (x == std::numeric_limits<int64_t>::min() && y == -1) ? x
                                                                                     : x / y);
        }
    }
    return r;
}

Known known_concat(const Context &ctx, const std::vector<const Known *> &inputs, int64_t axis) {
    const Known &first = *inputs.at(0);
    ir::Dims out = first.dims;
    out[static_cast<size_t>(axis)] = 0;
    for (const Known *k : inputs) {
        if (k->dims.size() != first.dims.size() || k->is_float() != first.is_float())
            ctx.fail("concatenates {} with {}", ir::dims_to_string(first.dims),
                     ir::dims_to_string(k->dims));
        for (size_t i = 0; i < out.size(); ++i)
            if (static_cast<int64_t>(i) != axis && k->dims[i] != first.dims[i])
                ctx.fail("concatenates {} with {} along axis {}", ir::dims_to_string(first.dims),
                         ir::dims_to_string(k->dims), axis);
        out[static_cast<size_t>(axis)] += k->dims[static_cast<size_t>(axis)];
    }
    check_size(ctx, out);
    Known r = empty_like(first, out);
    const int64_t outer = product(ir::Dims(first.dims.begin(), first.dims.begin() + axis));
    for (int64_t o = 0; o < outer; ++o)
        for (const Known *k : inputs) {
            const int64_t inner = product(ir::Dims(k->dims.begin() + axis, k->dims.end()));
            for (int64_t i = 0; i < inner; ++i)
                append_element(r, *k, o * inner + i);
        }
    return r;
}

SliceRange slice_range(int64_t dim, int64_t start, int64_t end, int64_t step) {
    SliceRange r{start, end, step, 0};
    if (r.start < 0)
        r.start = r.start < -dim ? -1 : r.start + dim; // may go below 0; clamped next
    if (r.end < 0)
        r.end = r.end < -dim ? -1 : r.end + dim;
    if (step > 0) {
        r.start = std::clamp<int64_t>(r.start, 0, dim);
        r.end = std::clamp<int64_t>(r.end, 0, dim);
        r.length = r.end > r.start ? (r.end - r.start + step - 1) / step : 0;
    } else {
        r.start = std::clamp<int64_t>(r.start, -1, dim - 1);
        r.end = std::clamp<int64_t>(r.end, -1, dim - 1);
        r.length = r.start > r.end ? (r.start - r.end + (-step) - 1) / (-step) : 0;
    }
    return r;
}

Known known_slice(const Context &ctx, const Known &data, const std::vector<int64_t> &axes,
                  const std::vector<int64_t> &starts, const std::vector<int64_t> &ends,
                  const std::vector<int64_t> &steps) {
    const size_t rank = data.dims.size();
    std::vector<SliceRange> ranges(rank);
    for (size_t i = 0; i < rank; ++i)
        ranges[i] = {0, data.dims[i], 1, data.dims[i]};
    for (size_t j = 0; j < axes.size(); ++j) {
        const int64_t ax = ctx.axis(axes[j], static_cast<int64_t>(rank), "slice axis");
        if (steps[j] == 0)
            ctx.fail("slice step must not be 0");
        ranges[static_cast<size_t>(ax)] =
            slice_range(data.dims[static_cast<size_t>(ax)], starts[j], ends[j], steps[j]);
    }
    ir::Dims out(rank);
    for (size_t i = 0; i < rank; ++i)
        out[i] = ranges[i].length;
    Known r = empty_like(data, out);
    const std::vector<int64_t> in_strides = strides_of(data.dims), out_strides = strides_of(out);
    const int64_t n = product(out);
    for (int64_t flat = 0; flat < n; ++flat) {
        int64_t src = 0, rest = flat;
        for (size_t i = 0; i < rank; ++i) {
            const int64_t idx = rest / out_strides[i];
            rest %= out_strides[i];
            src += (ranges[i].start + idx * ranges[i].step) * in_strides[i];
        }
        append_element(r, data, src);
    }
    return r;
}

Known known_gather(const Context &ctx, const Known &data, const Known &indices, int64_t axis) {
    const std::vector<int64_t> idx = indices.as_ints();
    const int64_t dim = data.dims.at(static_cast<size_t>(axis));
    ir::Dims out(data.dims.begin(), data.dims.begin() + axis);
    out.insert(out.end(), indices.dims.begin(), indices.dims.end());
    out.insert(out.end(), data.dims.begin() + axis + 1, data.dims.end());
    check_size(ctx, out);
    Known r = empty_like(data, out);
    const int64_t outer = product(ir::Dims(data.dims.begin(), data.dims.begin() + axis));
    const int64_t inner = product(ir::Dims(data.dims.begin() + axis + 1, data.dims.end()));
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i : idx) {
            if (i < -dim || i >= dim)
                ctx.fail("gather index {} is out of range for a dim of {}", i, dim);
            const int64_t j = i < 0 ? i + dim : i;
            for (int64_t k = 0; k < inner; ++k)
                append_element(r, data, (o * dim + j) * inner + k);
        }
    return r;
}

ir::Dims resolve_reshape(const Context &ctx, const ir::Dims &in, const std::vector<int64_t> &shape,
                         bool allow_zero) {
    ir::Dims out(shape.size());
    int64_t infer = -1, known_product = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
        int64_t d = shape[i];
        if (d == 0 && !allow_zero) {
            if (i >= in.size())
                ctx.fail("shape {} copies dim {} (0) of a rank-{} input", fmt::join(shape, ","),
                         i, in.size());
            d = in[i];
        }
        if (d == -1) {
            if (infer >= 0)
                ctx.fail("shape [{}] has more than one -1", fmt::join(shape, ","));
            infer = static_cast<int64_t>(i);
            continue;
        }
        if (d < 0)
            ctx.fail("shape [{}] has a negative dim {}", fmt::join(shape, ","), d);
        if (d > 0 && known_product > max_known_elements * 64 / d)
            ctx.fail("shape [{}] is too large", fmt::join(shape, ","));
        out[i] = d;
        known_product *= d;
    }
    const int64_t total = product(in);
    if (infer >= 0) {
        if (known_product == 0 || total % known_product != 0)
            ctx.fail("cannot reshape {} to [{}]", ir::dims_to_string(in), fmt::join(shape, ","));
        out[static_cast<size_t>(infer)] = total / known_product;
    } else if (known_product != total) {
        ctx.fail("cannot reshape {} ({} elements) to {} ({} elements)", ir::dims_to_string(in),
                 total, ir::dims_to_string(out), known_product);
    }
    return out;
}

} // namespace cnnc::frontend::onnximport
