// The thread pool a CPU model library runs its kernels' parallel loops on, in place of the one in
// Halide's runtime (installed with halide_set_custom_do_par_for by cnnc_create).
//
// Why: a model is a chain of 50-150 short kernels (10 us to 1 ms each), and every one is a
// parallel loop. Halide's pool puts a worker to sleep on a condition variable the moment it finds
// no work, and the owner sleeps too while the last task finishes, so each kernel pays a wake-up
// to start its worker and often another to resume the caller, against kernels as short as 10 us
// (MobileNet v2's late depthwise convs run 2-3x longer in the model than alone in a loop, where
// the worker is always awake). Here the workers spin for a short while
// after each loop (long enough to span the gap to the next kernel of the same run, ~0.2 ms) and
// only then sleep; the caller takes tasks itself and spins until the last one is done. ONNX
// Runtime's and OpenMP's pools spin the same way. The caller claims tasks from the front of a
// loop and the workers from the back, so consecutive kernels whose tasks run over image rows keep
// each part of the image on one core (see take_tasks in the .cpp).
//
// One loop runs at a time. A parallel loop called while another runs (a nested loop inside a
// task, or a second thread running its own instance) goes to Halide's own pool, which handles
// nesting, so behaviour stays correct and only the pooling differs.
#pragma once

#include <cstdint>

namespace cnnc::runtime {

// halide_do_par_for's signature (halide_task_t f): runs f(user_context, i, closure) for i in
// [min, min + size) and returns the first nonzero status.
int spinning_do_par_for(void *user_context, int (*f)(void *, int, uint8_t *), int min, int size,
                        uint8_t *closure);

// Installs spinning_do_par_for as Halide's parallel loop (once per process; later calls do
// nothing), unless CNNC_THREAD_POOL=halide keeps Halide's pool. bench.py --spinning-pool, quiet
// machine, 2 threads, one run of 5 interleaved rounds, spinning vs Halide's pool: GoogLeNet 8.06
// vs 9.03 ms, ShuffleNet v2 2.31 vs 2.44, ResNeXt-50 32.6 vs 34.0, ResNet-50 25.9 vs 26.6,
// DenseNet-121, MobileNet v2 and VGG-16 level. On a loaded machine spinning workers take time
// from the other processes; there CNNC_THREAD_POOL=halide may be the better choice.
void install_spinning_thread_pool();

} // namespace cnnc::runtime
