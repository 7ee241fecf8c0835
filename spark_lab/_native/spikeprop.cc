// Event-driven synaptic propagation for XLA:CPU, called from the jitted step through jax.ffi.
//
// Layout (built by spark_lab/_sparse.py: build_csr): compressed rows, one per presynaptic neuron
// (global index). rows[2 i] = first synapse of row i, rows[2 i + 1] = its first run; entry
// 2 (n_rows) closes both. Targets are accumulator slots, uint16 pairs packed in int32 or int32.
//   per_synapse: synapse s delivers weights[s].
//   else ("runs"): a row is cut into runs of synapses of one projection; run r =
//   (end synapse, projection p) and delivers row_w[i] * weights[p] (Dale sign / g_inh per row,
//   projection weight per run), so no weight is stored per synapse.
// Per step this reads only the rows of spiking neurons: ~2 bytes per delivered synapse in the
// runs form, which is what keeps it fast when a host round trip has left the caches cold.
//
// spark_lab_all_finite: one flag, true when every element of its float arguments (f32 or f64)
// is finite. The chunk's NaN/inf test on the CPU: XLA:CPU lowers the same test (concatenate,
// is_finite, reduce) to three loops, ~20 % of the instructions of a one-step call (bench/RESULTS.md).
#include <cstdint>
#include <cstring>
#include <vector>

#include "deliver.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;
using spark_lab::Deliver;

static ffi::Error SpikePropImpl(ffi::Buffer<ffi::PRED> spikes, ffi::Buffer<ffi::S32> rows,
                                ffi::Buffer<ffi::S32> runs, ffi::Buffer<ffi::S32> targets,
                                ffi::Buffer<ffi::F32> row_w, ffi::Buffer<ffi::F32> weights,
                                ffi::ResultBuffer<ffi::F32> out, bool packed, bool per_synapse) {
  const int64_t n = spikes.element_count();
  if (n % 8 != 0 || rows.element_count() < 2 * n + 2)
    return ffi::Error::InvalidArgument("spark_lab_spikeprop: spike vector and row table do not match");
  float* acc = out->typed_data();
  std::memset(acc, 0, sizeof(float) * out->element_count());
  const auto* spk = reinterpret_cast<const uint8_t*>(spikes.typed_data());
  const int32_t* rp = rows.typed_data();
  const int32_t* ru = runs.typed_data();
  const float* rw = row_w.typed_data();
  const float* w = weights.typed_data();
  thread_local std::vector<int32_t> idx;
  if (packed) {
    const auto* tg = reinterpret_cast<const uint16_t*>(targets.typed_data());
    per_synapse ? Deliver<uint16_t, true>(spk, n, rp, ru, tg, rw, w, acc, idx)
                : Deliver<uint16_t, false>(spk, n, rp, ru, tg, rw, w, acc, idx);
  } else {
    const int32_t* tg = targets.typed_data();
    per_synapse ? Deliver<int32_t, true>(spk, n, rp, ru, tg, rw, w, acc, idx)
                : Deliver<int32_t, false>(spk, n, rp, ru, tg, rw, w, acc, idx);
  }
  return ffi::Error::Success();
}

XLA_FFI_DEFINE_HANDLER_SYMBOL(SparkLabSpikeProp, SpikePropImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::Buffer<ffi::PRED>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Ret<ffi::Buffer<ffi::F32>>()
                                  .Attr<bool>("packed")
                                  .Attr<bool>("per_synapse"));

// A float is NaN or inf exactly when its exponent bits are all set: the largest exponent field
// over the array tells (integer max: no branch per element, vectorised).
template <typename T, typename U, U kExp>
static bool AllFinite(const void* data, int64_t n) {
  const auto* x = static_cast<const unsigned char*>(data);
  U top = 0;
  for (int64_t i = 0; i < n; ++i) {
    U bits;
    std::memcpy(&bits, x + i * sizeof(T), sizeof(T));
    const U e = bits & kExp;
    top = e > top ? e : top;
  }
  return top != kExp;
}

static ffi::Error AllFiniteImpl(ffi::RemainingArgs args, ffi::ResultBuffer<ffi::PRED> out) {
  bool ok = true;
  for (size_t i = 0; i < args.size() && ok; ++i) {
    auto buf = args.get<ffi::AnyBuffer>(i);
    if (buf.has_error()) return buf.error();
    const int64_t n = static_cast<int64_t>(buf->element_count());
    if (buf->element_type() == ffi::F32)
      ok = AllFinite<float, uint32_t, 0x7f800000u>(buf->untyped_data(), n);
    else if (buf->element_type() == ffi::F64)
      ok = AllFinite<double, uint64_t, 0x7ff0000000000000ull>(buf->untyped_data(), n);
    else
      return ffi::Error::InvalidArgument("spark_lab_all_finite: arguments must be f32 or f64");
  }
  *out->typed_data() = ok;
  return ffi::Error::Success();
}

XLA_FFI_DEFINE_HANDLER_SYMBOL(SparkLabAllFinite, AllFiniteImpl,
                              ffi::Ffi::Bind().RemainingArgs().Ret<ffi::Buffer<ffi::PRED>>());

// spark_lab_pack: its arguments (32-bit elements each) one after another in one int32 buffer,
// the lean closed loop's state and output vector (spark_lab/_packed.py): one output array per
// call instead of one per state leaf, which JAX's dispatch charges for each.
static ffi::Error PackImpl(ffi::RemainingArgs args, ffi::ResultBuffer<ffi::S32> out) {
  auto* dst = reinterpret_cast<char*>(out->typed_data());
  const size_t cap = out->size_bytes();
  size_t o = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    auto buf = args.get<ffi::AnyBuffer>(i);
    if (buf.has_error()) return buf.error();
    const size_t n = buf->size_bytes();
    if (o + n > cap) return ffi::Error::InvalidArgument("spark_lab_pack: the parts do not fit the output");
    std::memcpy(dst + o, buf->untyped_data(), n);
    o += n;
  }
  if (o != cap) return ffi::Error::InvalidArgument("spark_lab_pack: the parts do not fill the output");
  return ffi::Error::Success();
}

XLA_FFI_DEFINE_HANDLER_SYMBOL(SparkLabPack, PackImpl,
                              ffi::Ffi::Bind().RemainingArgs().Ret<ffi::Buffer<ffi::S32>>());
