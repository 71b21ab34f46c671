// Reference data movement: concat, split, slice (ONNX semantics: negative indices count from the
// end, out-of-range ones are clamped, steps may be negative), transpose, channel shuffle, constant pad, and the
// pure retypings (flatten, reshape, identity, dropout at inference). No arithmetic happens here,
// so results are exact copies of input elements.
#include "reference/Kernels.h"

#include "ir/Error.h"
#include "ir/ShapeInference.h"

#include <algorithm>

namespace cnnc::reference::kernels {

namespace {

// y[index] = x[base + sum(index[d] * strides[d])] over every index of `y`: slice and transpose
// are both this affine gather, with different bases and strides.
void affine_gather(const Tensor &x, int64_t base, const std::vector<int64_t> &strides, Tensor &y) {
    const Dims &dims = y.dims();
    if (y.size() == 0)
        return;
    std::vector<int64_t> index(dims.size(), 0);
    for (int64_t out = 0; out < y.size(); ++out) {
        int64_t in = base;
        for (size_t d = 0; d < dims.size(); ++d)
            in += index[d] * strides[d];
        y.data[out] = x.data[in];
        for (size_t d = dims.size(); d-- > 0;) {
            if (++index[d] < dims[d])
                break;
            index[d] = 0;
        }
    }
}

// Product of dims[begin, end).
int64_t product(const Dims &dims, size_t begin, size_t end) {
    int64_t p = 1;
    for (size_t d = begin; d < end; ++d)
        p *= dims[d];
    return p;
}

} // namespace

Tensor concat(const std::vector<const Tensor *> &parts, const ir::ConcatAttrs &attrs,
              const TensorType &result) {
    const auto axis = static_cast<size_t>(normalize_axis(attrs.axis, result.rank()));
    Tensor y(result);
    // Viewed as [outer, axis * inner], each part contributes a contiguous run to every row.
    const int64_t outer = product(result.dims, 0, axis);
    const int64_t inner = product(result.dims, axis + 1, result.dims.size());
    const int64_t row = result.dims[axis] * inner;
    int64_t column = 0;
    for (const Tensor *part : parts) {
        const int64_t run = part->dims()[axis] * inner;
        internal_assert(part->size() == outer * run, "concat part {} does not fit {}",
                        ir::to_string(part->type), ir::to_string(result));
        for (int64_t o = 0; o < outer; ++o)
            std::copy_n(part->data.data() + o * run, run, y.data.data() + o * row + column);
        column += run;
    }
    internal_assert(column == row, "concat parts do not fill {}", ir::to_string(result));
    return y;
}

std::vector<Tensor> split(const Tensor &x, const ir::SplitAttrs &attrs,
                          const std::vector<TensorType> &results) {
    const auto axis = static_cast<size_t>(normalize_axis(attrs.axis, x.type.rank()));
    const int64_t outer = product(x.dims(), 0, axis);
    const int64_t inner = product(x.dims(), axis + 1, x.dims().size());
    const int64_t row = x.dims()[axis] * inner;
    std::vector<Tensor> parts;
    int64_t column = 0;
    for (const TensorType &type : results) {
        Tensor part(type);
        const int64_t run = type.dims[axis] * inner;
        for (int64_t o = 0; o < outer; ++o)
            // Pointer arithmetic, not &v[i]: an empty part (size 0) has no element to refer to.
            std::copy_n(x.data.data() + o * row + column, run, part.data.data() + o * run);
        column += run;
        parts.push_back(std::move(part));
    }
    internal_assert(column == row, "split results do not cover {}", ir::to_string(x.type));
    return parts;
}

Tensor slice(const Tensor &x, const ir::SliceAttrs &attrs, const TensorType &result) {
    const Dims &in = x.dims();
    const std::vector<int64_t> in_strides = row_major_strides(in);
    // Unsliced axes: start 0, step 1.
    std::vector<int64_t> start(in.size(), 0), step(in.size(), 1);
    for (size_t i = 0; i < attrs.axes.size(); ++i) {
        const auto axis = static_cast<size_t>(normalize_axis(attrs.axes[i], x.type.rank()));
        const int64_t dim = in[axis], s = attrs.steps.at(i);
        int64_t first = attrs.starts.at(i);
        if (first < 0)
            first += dim;
        // ONNX clamps the start to [0, dim] going forwards and to [0, dim - 1] going backwards;
        // the end only limits the count, which the result type already holds.
        first = std::clamp<int64_t>(first, 0, s > 0 ? dim : std::max<int64_t>(dim - 1, 0));
        internal_assert(result.dims[axis] ==
                            ir::slice_length(dim, attrs.starts[i], attrs.ends.at(i), s),
                        "slice result {} disagrees with axis {}", ir::to_string(result), axis);
        start[axis] = first, step[axis] = s;
    }
    Tensor y(result);
    int64_t base = 0;
    std::vector<int64_t> strides(in.size());
    for (size_t d = 0; d < in.size(); ++d) {
        base += start[d] * in_strides[d];
        strides[d] = step[d] * in_strides[d];
    }
    affine_gather(x, base, strides, y);
    return y;
}

Tensor retype(const Tensor &x, const TensorType &result) {
    internal_assert(x.type.num_elements() == result.num_elements(), "cannot retype {} as {}",
                    ir::to_string(x.type), ir::to_string(result));
    return Tensor(result, x.data);
}

Tensor transpose(const Tensor &x, const ir::TransposeAttrs &attrs, const TensorType &result) {
    internal_assert(attrs.perm.size() == x.dims().size(), "transpose perm for {}",
                    ir::to_string(x.type));
    // Output axis d walks input axis perm[d].
    const std::vector<int64_t> in_strides = row_major_strides(x.dims());
    std::vector<int64_t> strides(attrs.perm.size());
    for (size_t d = 0; d < attrs.perm.size(); ++d)
        strides[d] = in_strides[static_cast<size_t>(attrs.perm[d])];
    Tensor y(result);
    affine_gather(x, 0, strides, y);
    return y;
}

Tensor channel_shuffle(const Tensor &x, const ir::ChannelShuffleAttrs &attrs) {
    const Dims &d = x.dims();
    internal_assert(d.size() == 4 && attrs.groups > 0 && d[1] % attrs.groups == 0, "channel_shuffle of {}",
                    ir::to_string(x.type));
    const int64_t groups = attrs.groups, per_group = d[1] / groups, plane = d[2] * d[3];
    Tensor y(x.type);
    for (int64_t n = 0; n < d[0]; ++n)
        for (int64_t c = 0; c < d[1]; ++c) {
            const int64_t from = (c % groups) * per_group + c / groups;
            std::copy_n(x.data.begin() + (n * d[1] + from) * plane, plane, y.data.begin() + (n * d[1] + c) * plane);
        }
    return y;
}

// Output index o reads input index o - pad_begin on every axis, or is `value` if that falls
// outside; negative pads (ONNX allows them) therefore crop.
Tensor pad(const Tensor &x, const ir::PadAttrs &attrs, const TensorType &result) {
    const Dims &in = x.dims(), &dims = result.dims;
    internal_assert(attrs.pads.size() == 2 * in.size(), "pad {} with {} pads",
                    ir::to_string(x.type), attrs.pads.size());
    const std::vector<int64_t> in_strides = row_major_strides(in);
    Tensor y(result);
    if (y.size() == 0)
        return y;
    const auto value = static_cast<float>(attrs.value);
    std::vector<int64_t> index(dims.size(), 0);
    for (int64_t out = 0; out < y.size(); ++out) {
        int64_t at = 0;
        bool inside = true;
        for (size_t d = 0; d < dims.size(); ++d) {
            const int64_t i = index[d] - attrs.pads[d];
            inside = inside && i >= 0 && i < in[d];
            at += i * in_strides[d];
        }
        y.data[out] = inside ? x.data[at] : value;
        for (size_t d = dims.size(); d-- > 0;) {
            if (++index[d] < dims[d])
                break;
            index[d] = 0;
        }
    }
    return y;
}

} // namespace cnnc::reference::kernels
