// Event-driven synaptic propagation for XLA:CPU, called from the jitted step through jax.ffi.
// Same data as the pure-JAX path (spark_lab/_sparse.py): padded rows of accumulator targets per
// presynaptic neuron (uint16 pairs packed in int32, or int32), padding >= the target space at the
// end of each row. Per spiking row: add its weight (one per row, or one per synapse) to every
// target; class groups then combine the per-class accumulators with their weights.
#include <cstdint>
#include <cstring>
#include <vector>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

template <typename T>
static void Accumulate(const bool* spk, int64_t n, const T* tg, int64_t width, int64_t space,
                       const float* row_w, const float* syn_w, float* acc) {
  for (int64_t i = 0; i < n; ++i) {
    if (!spk[i]) continue;
    const T* row = tg + i * width;
    if (syn_w != nullptr) {
      const float* wr = syn_w + i * width;
      for (int64_t j = 0; j < width; ++j) {
        const int64_t t = row[j];
        if (t >= space) break;
        acc[t] += wr[j];
      }
    } else {
      const float w = row_w[i];
      for (int64_t j = 0; j < width; ++j) {
        const int64_t t = row[j];
        if (t >= space) break;
        acc[t] += w;
      }
    }
  }
}

static ffi::Error SpikePropImpl(ffi::Buffer<ffi::PRED> spikes, ffi::Buffer<ffi::S32> targets,
                                ffi::Buffer<ffi::F32> row_w, ffi::Buffer<ffi::F32> syn_w,
                                ffi::Buffer<ffi::F32> class_w, ffi::ResultBuffer<ffi::F32> out,
                                int64_t n_slots, int64_t n_classes, int64_t width, bool packed,
                                bool per_synapse) {
  const int64_t n = spikes.element_count();
  const int64_t space = n_slots * n_classes;
  float* o = out->typed_data();
  thread_local std::vector<float> scratch;
  float* acc = o;
  if (n_classes > 1) {
    scratch.assign(space, 0.0f);
    acc = scratch.data();
  } else {
    std::memset(o, 0, sizeof(float) * n_slots);
  }
  const float* sw = per_synapse ? syn_w.typed_data() : nullptr;
  if (packed) {
    Accumulate(spikes.typed_data(), n, reinterpret_cast<const uint16_t*>(targets.typed_data()), width,
               space, row_w.typed_data(), sw, acc);
  } else {
    Accumulate(spikes.typed_data(), n, targets.typed_data(), width, space, row_w.typed_data(), sw, acc);
  }
  if (!per_synapse) {  // apply the per-class (projection) weights
    const float* cw = class_w.typed_data();
    if (n_classes > 1) {
      std::memset(o, 0, sizeof(float) * n_slots);
      for (int64_t c = 0; c < n_classes; ++c)
        for (int64_t s = 0; s < n_slots; ++s) o[s] += acc[c * n_slots + s] * cw[c * n_slots + s];
    } else {
      for (int64_t s = 0; s < n_slots; ++s) o[s] *= cw[s];
    }
  }
  return ffi::Error::Success();
}

XLA_FFI_DEFINE_HANDLER_SYMBOL(SparkLabSpikeProp, SpikePropImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::Buffer<ffi::PRED>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Ret<ffi::Buffer<ffi::F32>>()
                                  .Attr<int64_t>("n_slots")
                                  .Attr<int64_t>("n_classes")
                                  .Attr<int64_t>("width")
                                  .Attr<bool>("packed")
                                  .Attr<bool>("per_synapse"));
