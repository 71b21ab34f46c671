// concat, split, slice, flatten, reshape, transpose, channel_shuffle, pad, identity and dropout of the reference
// interpreter against hand-written expected layouts.
#include "RunOp.h"

#include <limits>

using namespace cnnc;
using namespace cnnc::reference::test;
using ir::OpKind;

namespace {

ir::SliceAttrs slice(std::vector<int64_t> axes, std::vector<int64_t> starts,
                     std::vector<int64_t> ends, std::vector<int64_t> steps) {
    ir::SliceAttrs a;
    a.axes = std::move(axes), a.starts = std::move(starts), a.ends = std::move(ends);
    a.steps = std::move(steps);
    return a;
}

} // namespace

TEST_CASE("concat along axis 1 appends columns row by row") {
    // [[1,2],[3,4]] ++ [[5],[6]] -> [[1,2,5],[3,4,6]]
    const auto y =
        run_one(OpKind::concat, ir::ConcatAttrs{1}, {iota({2, 2}), tensor({2, 1}, {5, 6})});
    check_tensor(y, {2, 3}, {1, 2, 5, 3, 4, 6});
}

TEST_CASE("concat along axis 0 stacks") {
    const auto y =
        run_one(OpKind::concat, ir::ConcatAttrs{0}, {tensor({1, 2}, {7, 8}), iota({2, 2})});
    check_tensor(y, {3, 2}, {7, 8, 1, 2, 3, 4});
}

TEST_CASE("concat three NCHW tensors along channels, and with a negative axis") {
    // Batch 2: each batch row holds a's channel, then b's two, then c's one.
    const auto a = iota({2, 1, 1, 2}, 1);   // n0: 1 2 | n1: 3 4
    const auto b = iota({2, 2, 1, 2}, 10);  // n0: 10 11 12 13 | n1: 14 15 16 17
    const auto c = iota({2, 1, 1, 2}, 100); // n0: 100 101 | n1: 102 103
    const auto y = run_one(OpKind::concat, ir::ConcatAttrs{1}, {a, b, c});
    check_tensor(y, {2, 4, 1, 2}, {1, 2, 10, 11, 12, 13, 100, 101, 3, 4, 14, 15, 16, 17, 102, 103});
    // axis -1 of [2,2] and [2,1]: same as axis 1.
    const auto z =
        run_one(OpKind::concat, ir::ConcatAttrs{-1}, {iota({2, 2}), tensor({2, 1}, {5, 6})});
    check_tensor(z, {2, 3}, {1, 2, 5, 3, 4, 6});
}

TEST_CASE("split along axis 1 into unequal parts, including an empty one") {
    // [[1..5],[6..10]] -> [[1,2],[6,7]], [], [[3,4,5],[8,9,10]]
    ir::SplitAttrs a;
    a.axis = 1, a.sizes = {2, 0, 3};
    const auto parts = run_op(OpKind::split, a, {iota({2, 5})}, 3);
    REQUIRE(parts.size() == 3);
    check_tensor(parts[0], {2, 2}, {1, 2, 6, 7});
    check_tensor(parts[1], {2, 0}, {});
    check_tensor(parts[2], {2, 3}, {3, 4, 5, 8, 9, 10});
}

TEST_CASE("split along axis 0") {
    ir::SplitAttrs a;
    a.axis = 0, a.sizes = {1, 2};
    const auto parts = run_op(OpKind::split, a, {iota({3, 2})}, 2);
    check_tensor(parts[0], {1, 2}, {1, 2});
    check_tensor(parts[1], {2, 2}, {3, 4, 5, 6});
}

TEST_CASE("slice with a positive step") {
    // x[i] = i + 1 for i in 0..9; indices 1, 4, 7.
    const auto y = run_one(OpKind::slice, slice({0}, {1}, {8}, {3}), {iota({10})});
    check_tensor(y, {3}, {2, 5, 8});
}

TEST_CASE("slice with negative steps") {
    // start 8, end 2, step -2: indices 8, 6, 4.
    check_tensor(run_one(OpKind::slice, slice({0}, {8}, {2}, {-2}), {iota({10})}), {3}, {9, 7, 5});
    // start -1 -> 9, end -11 -> -1 (before the first element): the whole tensor reversed.
    check_tensor(run_one(OpKind::slice, slice({0}, {-1}, {-11}, {-1}), {iota({10})}), {10},
                 {10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
}

TEST_CASE("slice clamps out-of-range starts and ends") {
    // start -100 -> clamped to 0, end 100 -> 10: everything.
    check_tensor(run_one(OpKind::slice, slice({0}, {-100}, {100}, {4}), {iota({10})}), {3},
                 {1, 5, 9});
    // Backwards: start 100 -> 9, end -100 -> -90 -> clamped to -1: 9, 6, 3, 0.
    check_tensor(run_one(OpKind::slice, slice({0}, {100}, {-100}, {-3}), {iota({10})}), {4},
                 {10, 7, 4, 1});
    // INT64_MAX as an end (what exporters write for "to the end").
    check_tensor(run_one(OpKind::slice, slice({0}, {7}, {std::numeric_limits<int64_t>::max()}, {1}),
                         {iota({10})}),
                 {3}, {8, 9, 10});
    // An empty range gives an empty tensor.
    check_tensor(run_one(OpKind::slice, slice({0}, {5}, {2}, {1}), {iota({10})}), {0}, {});
}

TEST_CASE("slice several axes, listed in any order, negative axis included") {
    // x = [[1,2,3,4],[5,6,7,8],[9,10,11,12]]. Axis -1: start 3, end 0, step -2 -> cols 3, 1.
    // Axis 0: start 0, end 3, step 2 -> rows 0, 2. Result [[4,2],[12,10]].
    const auto y = run_one(OpKind::slice, slice({-1, 0}, {3, 0}, {0, 3}, {-2, 2}), {iota({3, 4})});
    check_tensor(y, {2, 2}, {4, 2, 12, 10});
    // Unlisted axes are kept whole: columns 1..2 of every row.
    const auto z = run_one(OpKind::slice, slice({1}, {1}, {3}, {1}), {iota({3, 4})});
    check_tensor(z, {3, 2}, {2, 3, 6, 7, 10, 11});
}

TEST_CASE("flatten at axis 0, 1, 2 and rank keeps the element order") {
    const auto x = iota({2, 3, 2});
    std::vector<float> values(12);
    for (int i = 0; i < 12; ++i)
        values[static_cast<size_t>(i)] = static_cast<float>(i + 1);
    check_tensor(run_one(OpKind::flatten, ir::FlattenAttrs{0}, {x}), {1, 12}, values);
    check_tensor(run_one(OpKind::flatten, ir::FlattenAttrs{1}, {x}), {2, 6}, values);
    check_tensor(run_one(OpKind::flatten, ir::FlattenAttrs{2}, {x}), {6, 2}, values);
    check_tensor(run_one(OpKind::flatten, ir::FlattenAttrs{3}, {x}), {12, 1}, values);
}

TEST_CASE("reshape, identity and dropout keep the data") {
    check_tensor(run_one(OpKind::reshape, ir::ReshapeAttrs{{3, 2}}, {iota({2, 3})}), {3, 2},
                 {1, 2, 3, 4, 5, 6});
    check_tensor(run_one(OpKind::reshape, ir::ReshapeAttrs{{1, 2, 3}}, {iota({6})}), {1, 2, 3},
                 {1, 2, 3, 4, 5, 6});
    check_tensor(run_one(OpKind::identity, ir::NoAttrs{}, {tensor({2}, {-1, 7})}), {2}, {-1, 7});
    // Inference-mode dropout neither drops nor rescales, whatever the ratio.
    check_tensor(run_one(OpKind::dropout, ir::DropoutAttrs{0.9}, {tensor({3}, {1, 2, 3})}), {3},
                 {1, 2, 3});
}

TEST_CASE("transpose 2-D and 3-D") {
    // [[1,2,3],[4,5,6]]^T
    check_tensor(run_one(OpKind::transpose, ir::TransposeAttrs{{1, 0}}, {iota({2, 3})}), {3, 2},
                 {1, 4, 2, 5, 3, 6});
    // perm [2,0,1] on [2,3,4]: y[k][i][j] = x[i][j][k] = 12i + 4j + k + 1.
    check_tensor(
        run_one(OpKind::transpose, ir::TransposeAttrs{{2, 0, 1}}, {iota({2, 3, 4})}), {4, 2, 3},
        {1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23, 4, 8, 12, 16, 20, 24});
}

TEST_CASE("channel_shuffle: by hand, and equal to reshape -> transpose(0,2,1,3,4) -> reshape") {
    // 6 channels of one pixel each, groups 2: channel j*2 + i reads channel i*3 + j.
    check_tensor(run_one(OpKind::channel_shuffle, ir::ChannelShuffleAttrs{2}, {iota({1, 6, 1, 1})}),
                 {1, 6, 1, 1}, {1, 4, 2, 5, 3, 6});
    // Batch 2, 12 channels in 3 groups, 2x3 planes: the three ops PyTorch's ShuffleNet exports.
    const ir::Tensor x = iota({2, 12, 2, 3});
    const ir::Tensor viewed = run_one(OpKind::reshape, ir::ReshapeAttrs{{2, 3, 4, 2, 3}}, {x});
    const ir::Tensor swapped = run_one(OpKind::transpose, ir::TransposeAttrs{{0, 2, 1, 3, 4}}, {viewed});
    const ir::Tensor want = run_one(OpKind::reshape, ir::ReshapeAttrs{{2, 12, 2, 3}}, {swapped});
    const ir::Tensor got = run_one(OpKind::channel_shuffle, ir::ChannelShuffleAttrs{3}, {x});
    CHECK(got.type == want.type);
    CHECK(got.data == want.data); // the same elements moved: bit-identical
}

TEST_CASE("pad with a constant, per axis begin and end") {
    // pads (begin axis 0, begin axis 1, end axis 0, end axis 1) = (1, 0, 0, 2), value 9.
    ir::PadAttrs a;
    a.pads = {1, 0, 0, 2}, a.value = 9;
    check_tensor(run_one(OpKind::pad, a, {iota({2, 2})}), {3, 4},
                 {9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9});
    // NCHW spatial padding with zeros: a 1x1x1x1 becomes a 1x1x3x3 with the value in the centre.
    ir::PadAttrs spatial;
    spatial.pads = {0, 0, 1, 1, 0, 0, 1, 1};
    check_tensor(run_one(OpKind::pad, spatial, {tensor({1, 1, 1, 1}, {5})}), {1, 1, 3, 3},
                 {0, 0, 0, 0, 5, 0, 0, 0, 0});
}
