// The blocked conv schedule space and its analytic cost model (see ConvSchedules.h).
//
// The numbers are this class of machine's, per core: 2 vector FMAs and 2 loads per cycle, about
// 32 bytes per cycle from L2 and 16 from beyond, 48 KB of L1 data, 2.2 GHz (285 GFLOP/s measured
// with 2 threads is 2.2 GHz x 2 cores x 2 FMAs x 16 lanes x 2 flops). They only need to rank
// schedules; measured times decide what a tuning run keeps.
#include "codegen/ConvSchedules.h"

#include <algorithm>
#include <cmath>

namespace cnnc::codegen {

namespace {

constexpr double ghz = 2.2;
constexpr int cores = 2;
constexpr double l1_bytes = 40 * 1024; // leave room for the input rows and the stack
constexpr double l2_bytes = 2 * 1024 * 1024; // a core's
constexpr double l2_bytes_per_cycle = 32, far_bytes_per_cycle = 12;
constexpr double rows_l2_bytes_per_cycle = 24; // weights a tile of a k x k conv streams (see below)

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Tasks per core after the static split of the parallel loop: a count that does not divide
// evenly leaves a core idle at the end.
double imbalance(int64_t tasks) {
    const double per_core = static_cast<double>(ceil_div(tasks, cores));
    return per_core * cores / static_cast<double>(std::max<int64_t>(tasks, 1));
}

// Chunks of one long row (see BlockedConvKernels.cpp): row_tile pixel tiles each when it is
// above 1, else (up to) 16 chunks.
int64_t pixel_chunks(const ConvShape &c, const Schedule &s) {
    const int64_t tiles = ceil_div(c.width, s.pixel_tile);
    return s.row_tile > 1 ? ceil_div(tiles, s.row_tile) : std::min<int64_t>(16, tiles);
}

int64_t parallel_tasks(const ConvShape &c, const Schedule &s, int64_t blocks) {
    if (!s.parallel) return 1;
    if (c.height == 1) {
        const int64_t chunks = pixel_chunks(c, s);
        return s.task_order != 1 ? chunks * blocks : chunks; // order 2's tasks are order 0's
    }
    const int64_t rows = ceil_div(c.height, s.row_tile);
    return s.task_order != 1 ? rows * blocks : rows; // order 2's tasks are order 0's
}

// The depthwise kernel (DepthwiseConvKernel.cpp) loads its input straight from the image (no
// padded copy), so a tile costs its FMAs or its loads, whichever is more, plus its stores.
// Ranked against `cnnc tune` measurements of MobileNet v2's seven depthwise shapes, this model
// (accumulators plus the block's whole window of weights in registers) ordered 58-85% of
// measured pairs correctly and picked schedules 14% faster in sum than the previous model,
// which charged every FMA its own input load and a padded strip copy per task.
double depthwise_ms(const ConvShape &c, const Schedule &s, int registers) {
    const int64_t lanes = static_cast<int64_t>(s.vector_width) * s.channel_vectors;
    const int64_t blocks = ceil_div(c.out_channels, lanes);
    const int64_t window = c.kernel_h * c.kernel_w;
    const int64_t tiles = blocks * ceil_div(c.width, s.pixel_tile) * c.height;
    const double cv = s.channel_vectors, px = s.pixel_tile;
    // Per window row, the px outputs' input vectors overlap (stride 1: px + kw - 1 of them);
    // each is loaded once and feeds every tap that reads it from a register.
    const double fmas = cv * px * static_cast<double>(window);
    const double loads = cv * ((px - 1) * static_cast<double>(c.stride_w) + static_cast<double>(c.kernel_w)) *
                             static_cast<double>(c.kernel_h) +
                         cv * static_cast<double>(window);
    double per_tile = std::max(fmas, loads) / 2.0 + cv * px + 10.0;
    // Tiles of more than 4 vectors that do not cover a whole row ran slower per pixel than this
    // counts (one thread, each kernel alone): MobileNet v2's 112-, 56- and 28-pixel depthwise
    // convs ran 1 x 4 tiles 9-34% faster than the 1 x 14-16 ones ranked first without this term,
    // 1 x 8 in between, and 2 x 4 and 2 x 2 up to 14% slower than 1 x 4; rows of one tile (14
    // and 7 pixels) ran as fast as or faster than 1 x 4. The cause is not pinned down: the loads
    // per FMA favour the wide tiles, and their border tiles alone do not explain it.
    const double tile_vectors = cv * px;
    if (tile_vectors > 4 && s.pixel_tile < c.width) per_tile += 3.0 * (tile_vectors - 4.0);
    if (cv > 1 && s.pixel_tile < c.width) per_tile += 2.0 * (cv - 1.0) * px;
    // The accumulators, the block's window of weights and one window row of input vectors (LLVM
    // loads a row's inputs before their FMAs) live in registers; past the register file they
    // spill to the stack. The row is what makes a 14-pixel tile spill (14 + 9 + 16 vectors: a
    // 2 KB stack frame and a reload before most FMAs) where a 7-pixel one does not (7 + 9 + 9;
    // at stride 2, 7 + 9 + 15): MobileNet v2's 14-pixel rows ran 1 x 7 tiles 8-10% faster than
    // one 1 x 14 tile on one thread (384@14 14.3 -> 12.8 us, 576@14 20.6 -> 18.5, 192@28 s2
    // 10.0 -> 8.7, each after its producer, 10 interleaved rounds). Measured with 32 registers
    // (AVX-512) only: with 16 (AVX2) a 3x3 window's weights alone nearly fill them, the FMAs can
    // read weights as memory operands, and the former count (accumulators, weights, 2) stays.
    const double row_inputs = cv * ((px - 1.0) * static_cast<double>(c.stride_w) + static_cast<double>(c.kernel_w));
    const double live = cv * px + cv * static_cast<double>(window) + (registers >= 32 ? row_inputs : 2.0);
    if (live > registers) per_tile *= 2.0 + (live - registers) * 0.25;
    const double lane_factor = 16.0 / s.vector_width;
    const double cycles = static_cast<double>(tiles) * per_tile * std::min(lane_factor, 2.0);
    const int64_t tasks = s.parallel ? ceil_div(c.height, s.row_tile) : 1;
    const double spread = s.parallel ? imbalance(tasks) / cores : 1.0;
    return cycles * spread / (ghz * 1e6) + static_cast<double>(tasks) * 2e-4;
}

} // namespace

ConvShape conv_shape_of(const ir::Conv2DAttrs &a, const KernelPlan &plan) {
    ConvShape shape;
    shape.in_channels = plan.inputs.at(0).shape.extents[0];
    shape.out_channels = plan.output.shape.extents[0];
    shape.groups = a.groups;
    shape.kernel_h = a.kernel[0];
    shape.kernel_w = a.kernel[1];
    shape.width = plan.output.shape.extents[1];
    shape.height = plan.output.shape.extents[2];
    shape.depthwise = plan.algorithm == "conv-depthwise";
    shape.stride_w = a.stride[1];
    shape.im2col = plan.algorithm == "conv-im2col-gemm";
    shape.pixel_chunks =
        shape.im2col || plan.algorithm == "conv-strided-1x1" || plan.algorithm == "conv-gemm-1x1";
    shape.grouped_broadcast = plan.algorithm == "conv-grouped-broadcast";
    shape.stride_h = a.stride[0];
    shape.padded = a.pad != ir::Pads{0, 0, 0, 0};
    return shape;
}

bool blocked_conv_feasible(const ConvShape &c, const Schedule &s) {
    if (s.vector_width < 1 || s.channel_vectors < 1 || s.pixel_tile < 1 || s.row_tile < 1) return false;
    if (s.pixel_tile > c.width) return false;
    if (s.row_tile > (c.pixel_chunks ? ceil_div(c.width, s.pixel_tile) : c.height)) return false;
    if (s.task_order == 2 && strip_reduction_chunk(c, s) == 0 && row_reduction_chunk(c, s) == 0) return false;
    const int64_t lanes = static_cast<int64_t>(s.vector_width) * s.channel_vectors;
    if (c.depthwise) return lanes <= std::max<int64_t>(c.out_channels, s.vector_width);
    if (c.grouped_broadcast)
        return s.task_order == 0 && c.out_channels % lanes == 0 &&
               lanes % (c.out_channels / c.groups) == 0;
    // A block may reach past the last channel to the next whole vector: 24 channels as one block
    // of two 16-lane vectors (its input broadcasts shared) rather than a full block and a
    // half-empty one.
    if (c.groups == 1)
        return lanes <= ceil_div(c.out_channels, s.vector_width) * s.vector_width || c.out_channels % lanes == 0;
    const int64_t cog = c.out_channels / c.groups;
    return c.out_channels % lanes == 0 && (cog % lanes == 0 || lanes % cog == 0);
}

int64_t blocked_reduction(const ConvShape &c, const Schedule &s) {
    const int64_t lanes = static_cast<int64_t>(s.vector_width) * s.channel_vectors;
    const int64_t window = c.kernel_h * c.kernel_w;
    if (c.groups == 1) return c.in_channels * window;
    if (c.grouped_broadcast)
        return c.in_channels / c.groups * window;
    const int64_t cog = c.out_channels / c.groups, cig = c.in_channels / c.groups;
    return (lanes <= cog ? cig : lanes / cog * cig) * window;
}

int strip_reduction_chunk(const ConvShape &c, const Schedule &s) {
    if (s.task_order != 2 || c.pixel_chunks || c.depthwise || c.grouped_broadcast ||
        c.groups != 1 || c.height == 1)
        return 0;
    // The chunk's weights take at most half of L1, beside the strip's accumulators and input.
    const int64_t lanes = static_cast<int64_t>(s.vector_width) * s.channel_vectors;
    const int64_t per_channel = c.kernel_h * c.kernel_w * lanes * 4;
    for (int64_t chunk : {32, 16, 8, 4})
        if (c.in_channels % chunk == 0 && c.in_channels / chunk >= 2 &&
            chunk * per_channel <= 24 * 1024)
            return static_cast<int>(chunk);
    return 0;
}

int row_reduction_chunk(const ConvShape &c, const Schedule &s) {
    if (s.task_order != 2 || !c.pixel_chunks || c.im2col || c.depthwise || c.grouped_broadcast || c.groups != 1 ||
        c.height != 1 || c.kernel_h * c.kernel_w != 1)
        return 0;
    // The task's accumulators stay in L1 beside a chunk's weights and input (a 7x7 row of a
    // 32-lane block: 6 KB), and a task has at least two tiles to share a chunk's weights. Tasks
    // are whole: Halide sizes a short last task's accumulators as a whole task and computes its
    // missing tiles too (960->160 at 7x7 as 2 x 7 tiles, 4 a task: 1.39x the time of order 0,
    // one thread, each kernel alone, where the row a task ran 1.07x).
    const int64_t lanes = static_cast<int64_t>(s.vector_width) * s.channel_vectors;
    const int64_t tiles = ceil_div(c.width, s.pixel_tile);
    const int64_t task_tiles = std::min<int64_t>(s.row_tile, tiles);
    if (task_tiles < 2 || tiles % task_tiles != 0 || task_tiles * s.pixel_tile * lanes * 4 > 16 * 1024) return 0;
    // 32 channels measured faster than 16, 64 and 256 on ResNet-50's 7x7 layers.
    for (int64_t chunk : {32, 16})
        if (c.in_channels % chunk == 0 && c.in_channels / chunk >= 2) return static_cast<int>(chunk);
    return 0;
}

double estimate_conv_ms(const ConvShape &c, const Schedule &s, const TargetInfo &target) {
    const int registers = target.vector_width >= 16 ? 32 : 16;
    if (c.depthwise) return depthwise_ms(c, s, registers);
    const int64_t lanes = static_cast<int64_t>(s.vector_width) * s.channel_vectors;
    const int64_t blocks = ceil_div(c.out_channels, lanes);
    const int64_t steps = blocked_reduction(c, s);
    const int64_t tiles_x = ceil_div(c.width, s.pixel_tile);
    const int64_t tiles = blocks * tiles_x * c.height;
    const double cv = s.channel_vectors, px = s.pixel_tile;
    // One reduction step: cv weight vectors loaded, px inputs broadcast (folded into the FMAs),
    // cv x px FMAs; plus loop overhead, which unrolling the reduction amortises.
    // A long row's tile sustained about 1.5 of its loads a cycle, not 2: one thread, warm, in
    // a microbenchmark of the same loop nest (bench/long_row_tiles.cpp), cv 1 x px 13 and
    // 1 x 8 tiles (one broadcast load per FMA) ran at 58-67% of the FMA peak where 2 loads a
    // cycle predicts 93% and 89%, while tiles of 2 or more vectors (FMA-bound) ran at 75-85%.
    // MobileNet v2's 960->160 at 7x7 ran 2 x 7 17% faster than the 1 x 13 this model ranked
    // first at 2 loads a cycle.
    const double loads_per_cycle = c.pixel_chunks ? 1.5 : 2.0;
    double step = std::max(cv * px / 2.0, (cv + px) / loads_per_cycle) + 1.0 / s.reduction_unroll;
    // A k x k conv's loads overlap its FMAs only in part: 30% of the lesser of the two is added
    // (fitted to `cnnc tune` records of ResNet-50's 3x3 and 7x7 direct convs: 77% of measured
    // pairs ordered right instead of 76%, the picks' mean regret 6.8% instead of 7.8%; it ranks
    // 3 or 4 channel vectors over 2 at 512->512 7x7, measured 10% faster under task order 2).
    const bool has_rows = c.height > 1 && !c.pixel_chunks;
    if (has_rows) step += 0.3 * std::min(cv * px / 2.0, (cv + px) / 2.0);
    // conv-grouped-broadcast loads each spread input vector for one FMA (lanes of different
    // groups read different inputs): cv x px input loads and cv weight loads a step, of which
    // L1 sustains about 1.5 full vectors a cycle beside the spread's stores (ResNeXt-50's
    // layer2.x ran 15% slower than 8-lane blocks of one 8-channel group, which 2 a cycle ranked
    // behind it; layer1, 4 channels a group, still runs it 1.5x faster than block-diagonal).
    if (c.grouped_broadcast)
        step = (cv * px + cv) / 1.5 + 1.0 / s.reduction_unroll;
    // Narrower vectors than the machine's do the same work in more instructions.
    // (A grouped conv's narrower blocks are already counted as more tiles of cv x px FMAs each:
    // an 8-lane block of one 8-channel group does half the FMAs of a 16-lane block-diagonal one.)
    const bool grouped_blocks = c.groups > 1 && !c.grouped_broadcast;
    if (!grouped_blocks) step *= static_cast<double>(target.vector_width) / s.vector_width;
    // A block-diagonal grouped block (lanes over several groups, zero weights across them) does
    // B/cog x the FMAs, as many instructions as cog-wide vectors without zeros, yet runs slower
    // (it streams B/cog x the weights, zeros included; the rest is not pinned down). ResNeXt-50's
    // 8-channel groups ran 8-lane blocks 10-15% faster than 16-lane block-diagonal ones (layer2.x
    // 187 vs 203 us, layer2.0 235 vs 263 us, each kernel alone, loaded machine).
    if (grouped_blocks && lanes > c.out_channels / c.groups) step *= 1.15;
    // Accumulators and weight vectors beyond the register file spill to the stack.
    const double live = cv * px + cv + 1;
    // A k x k conv's tile one or two vectors over spills only those accumulators (a reload and a
    // store beside each step's FMAs): 4 x 7 tiles of 512->512 3x3 at 7x7 under task order 2 spill
    // one and ran level with 3 x 7 and 10% faster than 2 x 7 (caches flushed, 16 interleaved
    // rounds, load ~4).
    if (has_rows && live > registers && live <= registers + 2)
        step += live - registers;
    else if (live > registers)
        step *= 2.0 + (live - registers) * 0.25;
    double tile = static_cast<double>(steps) * step;
    // The block's weights stream once per tile: from L1 when they fit, else from L2.
    const double weight_bytes = static_cast<double>(steps) * static_cast<double>(lanes) * 4.0;
    const int strip_chunk = strip_reduction_chunk(c, s);
    if (strip_chunk > 0) {
        // A chunked strip (task order 2) reads each chunk's weights from L1 (from L2 for its
        // first tile, spread over the strip's tiles), and every tile adds each chunk's sums to
        // its accumulators in L1: a load, add and store per vector, and the part's set-up.
        const double task_tiles =
            static_cast<double>(tiles_x * std::min<int64_t>(s.row_tile, c.height));
        tile = std::max(tile, weight_bytes / l2_bytes_per_cycle / task_tiles) +
               static_cast<double>(steps / (strip_chunk * c.kernel_h * c.kernel_w)) *
                   (1.5 * cv * px + 6.0);
    } else if (const int row_chunk = row_reduction_chunk(c, s)) {
        // A chunked long row (task order 2) reads each chunk's weights from L1, and every tile
        // adds each chunk's sums to its accumulators in L1: a load, add and store per vector and
        // the part's set-up (2.5 cycles a vector: 28-vector tiles of 128->512 at 28x28 ran 18%
        // slower over 4 chunks of 32 channels than unchunked).
        tile += static_cast<double>(steps / row_chunk) * (2.5 * cv * px + 6.0);
    } else if (weight_bytes > l1_bytes) {
        // Beside the FMAs of rows of tiles (a k x k conv), L2 gives a tile about 24 bytes a cycle,
        // not the 32 of a long row's tiles: `cnnc tune` (warm, each kernel alone) ran ResNet-50's
        // 3x3 128->128 stride 2 as cv 2 x px 14 12-18% faster than cv 4 x px 4, which 32 bytes a
        // cycle ranked first (with caches flushed, all of its tile shapes ran within 3%).
        const double l2_rate = c.height > 1 ? rows_l2_bytes_per_cycle : l2_bytes_per_cycle;
        tile = std::max(tile, weight_bytes / l2_rate);
    }
    tile += 20.0 + cv * px; // initialise and store the tile (epilogue)
    double cycles = static_cast<double>(tiles) * tile;
    // What tasks re-read from beyond L2: with tasks over (rows, blocks), each block re-reads its
    // input rows; with a task per row strip, each strip re-reads every weight.
    const double all_weight_bytes = static_cast<double>(steps) * static_cast<double>(blocks * lanes) * 4.0;
    const double in_row_bytes = static_cast<double>(c.width) * static_cast<double>(c.in_channels) * 4.0 *
                                static_cast<double>(c.kernel_h);
    if (c.pixel_chunks) {
        // Every task streams its blocks' weights from beyond L2 once (the tiles after the first
        // find them in L2): a task per (chunk, block) or a chunk running every block, the
        // weights are read once per chunk. A 1x1 conv's tasks over (chunks, blocks) are charged
        // one far read of the weights per core, as measured when a block's chunks ran one after
        // another on both cores in turn. Its tasks now run chunks outermost, each core taking one
        // end of the row (BlockedConvKernels.cpp), so a core with several chunks reads the weights
        // again per chunk (from L2 when they fit); whole models ran 3-15% faster that way (the
        // image stays on one core), and this term was not refit to it. im2col's window copy is
        // written once, then re-read per block (from L2 when a chunk's rows fit).
        double chunks = static_cast<double>(pixel_chunks(c, s));
        if (!c.im2col && s.task_order != 1) chunks = std::min<double>(chunks, cores);
        // A chunked long row (order 2) consumes a block's far weights at the pace of all of its
        // task's tiles, which the prefetchers keep up with; order 0's first tile of each task
        // waits for them.
        const double far = chunks * all_weight_bytes / far_bytes_per_cycle;
        cycles = row_reduction_chunk(c, s) ? std::max(cycles, far) : cycles + far;
        if (c.im2col) {
            const double col_bytes = static_cast<double>(c.width) * static_cast<double>(steps) * 4.0;
            cycles += col_bytes / l2_bytes_per_cycle;
            if (s.task_order == 0) cycles += static_cast<double>(blocks) * col_bytes / l2_bytes_per_cycle;
        }
    } else if (s.task_order == 0 || s.task_order == 2) {
        const double strips = static_cast<double>(ceil_div(c.height, s.row_tile));
        cycles += static_cast<double>(blocks) * strips * in_row_bytes * std::min<double>(s.row_tile, c.height) /
                  c.kernel_h / far_bytes_per_cycle;
        // Weights beyond L2 (a core's share over its 2 MiB: never warm between runs) stream from
        // far once per task. Order 0 streams them in its first tile, whose FMAs wait (ResNet-50's
        // 3x3 512->512 at 7x7 has 7 tiles a task, so a seventh of its FMAs cannot hide the
        // stream); order 2 spreads the stream over all of the task's FMAs, so only the part they
        // cannot hide counts. Order 0's tasks take every block of a strip before the next strip
        // (the fused loop runs blocks innermost), on both cores, so weights beyond one core's L2
        // are streamed from far again for each strip even where half of them would fit (see
        // order 1 below): in Inception v3 (2 threads, 6 interleaved rounds, median of each
        // round's fastest run, load 1.2-2) Mixed_6a's 3x3 288->384 stride 2 (4 MB of weights)
        // ran 2.06 ms as cv 4 x px 6 over 7-row strips under order 0 and 1.96 under order 2
        // (4.19 and 2.08 at load 1.5-5), Mixed_7a's 192->320 (2.2 MB) 0.36 ms as 3 x 8 order 0
        // and 0.29 as 4 x 4 order 2.
        if (all_weight_bytes / cores > l2_bytes ||
            (s.task_order == 0 && strips > 1 && all_weight_bytes > l2_bytes)) {
            const double far = strips * all_weight_bytes / far_bytes_per_cycle;
            cycles = s.task_order == 0 ? cycles + far : std::max(cycles, far);
        }
    } else {
        const double far = static_cast<double>(ceil_div(c.height, s.row_tile)) * all_weight_bytes / far_bytes_per_cycle;
        cycles += far;
        // Weights beyond L2 under tasks of whole strips (order 1): both cores stream all of them
        // from beyond L2 at the same time, one block after another, sharing the far link, and
        // each block's first tile waits for its part; charged twice. In ResNet-50 (2 threads,
        // 12 interleaved rounds, median of each round's fastest run, load 3.3-4.4) layer3.0's
        // 3x3 256->256 stride 2 (2.4 MB of weights) ran cv 2 x px 14 over 4-row strips under
        // order 2 in 0.815 ms, order 1's 7-row strips in 0.942 (a second run: 0.817 vs 0.932),
        // which this model ranked 4% ahead; layer2.0's 128->128 (0.6 MB) ran order 2 27% slower
        // than order 1, and keeps it.
        if (c.groups == 1 && all_weight_bytes > l2_bytes) cycles += far;
    }
    if (c.grouped_broadcast) {
        // Each task spreads its input rows for its block: lanes x cig values per input pixel,
        // about 1.5 cycles a vector (two scalar loads, a shuffle and a store each). A tile's
        // spread inputs (kh rows of its pixels' windows) come from L1 while the window of spread
        // rows (kh + stride rows) fits it, else partly from L2, once per tile (the window's taps
        // then hit L1).
        const int64_t cig = c.in_channels / c.groups;
        const double rows = static_cast<double>(
            (std::min<int64_t>(s.row_tile, c.height) - 1) * c.stride_h + c.kernel_h);
        const double columns = static_cast<double>((c.width - 1) * c.stride_w + c.kernel_w);
        const double vectors = rows * columns * static_cast<double>(lanes * cig) / s.vector_width;
        cycles += static_cast<double>(blocks * ceil_div(c.height, s.row_tile)) * vectors * 1.5;
        const double window_bytes = static_cast<double>(c.kernel_h + c.stride_h) * columns *
                                    static_cast<double>(lanes * cig) * 4.0;
        const double from_l2 = std::max(0.0, (window_bytes - l1_bytes) / window_bytes);
        const double tile_bytes =
            static_cast<double>(c.kernel_h * ((s.pixel_tile - 1) * c.stride_w + c.kernel_w) *
                                lanes * cig) *
            4.0;
        cycles += from_l2 * static_cast<double>(tiles) * tile_bytes / l2_bytes_per_cycle;
    }
    if (c.groups > 1 && !c.grouped_broadcast && c.padded && !c.pixel_chunks) {
        // conv-grouped pads the input each task reads into a buffer of its own
        // (GroupedConvKernel.cpp): the strip's input rows, of its block's groups' channels with
        // tasks over (rows, blocks), else of all channels; about a cycle a vector to load, store
        // and read back from L1.
        const double rows = static_cast<double>(
            (std::min<int64_t>(s.row_tile, c.height) - 1) * c.stride_h + c.kernel_h);
        const double columns = static_cast<double>((c.width - 1) * c.stride_w + c.kernel_w);
        const double channels = s.task_order == 0
                                    ? static_cast<double>(steps / (c.kernel_h * c.kernel_w) * blocks)
                                    : static_cast<double>(c.in_channels);
        cycles += static_cast<double>(ceil_div(c.height, s.row_tile)) * rows * columns * channels /
                  s.vector_width;
        // The tiles then read the padded strip from L1 while it fits, else partly from L2: with
        // tasks running every block (order 1) it holds all channels (920 KB for ResNeXt-50's
        // layer3.0 at 7 rows), with order 0 one block's groups (29 KB). One thread, each kernel
        // alone: layer3.0 ran order 0 15% faster (261 vs 308 us), layer3.x 11% (193 vs 216 us).
        const double strip_bytes = rows * columns * channels / static_cast<double>(blocks) * 4.0 *
                                   (s.task_order == 0 ? 1.0 : static_cast<double>(blocks));
        const double from_l2 = std::max(0.0, (strip_bytes - l1_bytes) / strip_bytes);
        const double tile_bytes = static_cast<double>(
            c.kernel_h * ((s.pixel_tile - 1) * c.stride_w + c.kernel_w) * (steps / (c.kernel_h * c.kernel_w)) * 4);
        // (Half L2's rate: the strip was just written there and its lines are still being
        // written back; a full rate ranked order 1 first on layer3.x, against the measurement.)
        cycles += from_l2 * static_cast<double>(tiles) * tile_bytes / (l2_bytes_per_cycle / 2.0);
    }
    if (c.groups > 1 && !c.pixel_chunks && s.task_order == 0) {
        // A grouped block reads only its own groups' input channels, not the whole input rows
        // charged above for task order 0 (1/32 of them in ResNeXt's 32 groups), in whole 64-byte
        // lines, while the input stays in L2 between the blocks' tasks. Past a core's L2 each
        // task fetches its slice from beyond it at 1 KB strides, which the prefetchers serve no
        // faster than whole rows: ResNeXt-50's layer2.0 (3.2 MB of input) ran tasks over (rows,
        // block) 1.4-2x slower than tasks over rows, layer3.0 and layer3.x (1.6 and 0.4 MB)
        // 4% and 12% faster (one thread, each kernel alone).
        const double block_bytes = static_cast<double>(steps / (c.kernel_h * c.kernel_w)) * 4.0;
        const double input_bytes = static_cast<double>(c.in_channels) *
                                   static_cast<double>((c.width - 1) * c.stride_w + c.kernel_w) *
                                   static_cast<double>((c.height - 1) * c.stride_h + c.kernel_h) * 4.0;
        const double read_share =
            input_bytes > l2_bytes
                ? 1.0
                : std::min(1.0, std::ceil(block_bytes / 64.0) * 64.0 / (static_cast<double>(c.in_channels) * 4.0));
        cycles -= (1.0 - read_share) *
                  static_cast<double>(blocks * ceil_div(c.height, s.row_tile)) * in_row_bytes *
                  std::min<double>(s.row_tile, c.height) / c.kernel_h / far_bytes_per_cycle;
    }
    if (c.padded && !c.pixel_chunks && c.height > 1 && c.groups == 1) {
        // The padded input (BlockedConvKernels.cpp, build_blocked_conv): tasks running every
        // block of their rows (order 1) pad their rows' input into L2; otherwise it is copied once
        // per call, a parallel pass of its own before the conv starts, written to memory and read
        // back. That copy measured 0.10-0.16 ms for ResNet-50's stride-2 3x3s (0.86 and 1.7 MB
        // padded inputs), about 5 times its bytes at the far rate, which is what it is charged.
        const double row_bytes =
            static_cast<double>((c.width - 1) * c.stride_w + c.kernel_w) * c.in_channels * 4.0;
        const int64_t strip_rows = (std::min<int64_t>(s.row_tile, c.height) - 1) * c.stride_h + c.kernel_h;
        if (s.task_order == 1)
            cycles += static_cast<double>(ceil_div(c.height, s.row_tile) * strip_rows) * row_bytes /
                      l2_bytes_per_cycle;
        else
            cycles += 5.0 * static_cast<double>((c.height - 1) * c.stride_h + c.kernel_h) * row_bytes /
                      far_bytes_per_cycle;
    }
    const int64_t tasks = parallel_tasks(c, s, blocks);
    const double spread = s.parallel ? imbalance(tasks) / cores : 1.0;
    return cycles * spread / (ghz * 1e6) + static_cast<double>(tasks) * 2e-4;
}

std::vector<Schedule> conv_candidates(const ConvShape &c, const TargetInfo &target) {
    std::vector<int> widths{target.vector_width};
    if (target.vector_width >= 16) widths.push_back(target.vector_width / 2);
    std::vector<std::pair<double, Schedule>> ranked;
    for (int vec : widths)
        for (int cv = 1; cv <= 4; ++cv)
            for (int px = 1; px <= 16; ++px)
                for (int ru : {1, 2, 4})
                    for (int rows : {1, 2, 4, 7, 8})
                        for (int order : {0, 1, 2}) {
                            if (c.depthwise && (ru != 1 || order != 0)) continue;
                            // One long row has no row strips (strided-1x1 and im2col take
                            // row_tile pixel tiles per task); only im2col has a per-task
                            // producer (its window copy) for task order 1 to keep in cache;
                            // order 2 chunks a 1x1 row's reduction (row_reduction_chunk).
                            if (!c.depthwise && c.height == 1 &&
                                ((rows != 1 && !c.pixel_chunks) || (order == 1 && !c.im2col)))
                                continue;
                            Schedule s;
                            s.vector_width = vec;
                            s.channel_vectors = cv;
                            s.pixel_tile = px;
                            s.reduction_unroll = ru;
                            s.row_tile = rows;
                            s.task_order = order;
                            s.parallel = true;
                            if (!blocked_conv_feasible(c, s)) continue;
                            if (!c.depthwise && (blocked_reduction(c, s) / (c.kernel_h * c.kernel_w)) % ru != 0)
                                continue;
                            ranked.emplace_back(estimate_conv_ms(c, s, target), s);
                        }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<Schedule> out;
    for (auto &[ms, s] : ranked) out.push_back(s);
    return out;
}

bool grouped_broadcast_pays(const ConvShape &block_diagonal, const TargetInfo &target) {
    ConvShape broadcast = block_diagonal;
    broadcast.grouped_broadcast = true;
    const std::vector<Schedule> spread = conv_candidates(broadcast, target);
    if (spread.empty())
        return false;
    const std::vector<Schedule> blocked = conv_candidates(block_diagonal, target);
    if (blocked.empty())
        return true;
    // A block of exactly one group (8 channels a group in 8-lane blocks) has neither zero weights
    // nor a spread: less work than either. ResNeXt-50's layer2.x ran it 13% faster than the
    // broadcast kernel on one thread (351 vs 403 us), a margin the two estimates do not resolve.
    const int64_t cog = block_diagonal.out_channels / block_diagonal.groups;
    for (const Schedule &s : blocked)
        if (static_cast<int64_t>(s.vector_width) * s.channel_vectors == cog)
            return false;
    // Both pad per task (the broadcast kernel while spreading): estimate_conv_ms charges each.
    return estimate_conv_ms(broadcast, spread.front(), target) <
           estimate_conv_ms(block_diagonal, blocked.front(), target);
}

Schedule default_conv_schedule(const ConvShape &c, const TargetInfo &target) {
    std::vector<Schedule> all = conv_candidates(c, target);
    if (!all.empty()) return all.front();
    // Nothing fits (a grouped conv whose groups straddle every block size): the caller falls
    // back to the generic grouped kernel, which reads vector_width, pixel_tile and parallel.
    Schedule s;
    s.vector_width = 1;
    while (s.vector_width * 2 <= std::min<int64_t>(target.vector_width, c.out_channels / c.groups)) s.vector_width *= 2;
    s.pixel_tile = 1;
    s.parallel = true;
    return s;
}

} // namespace cnnc::codegen
