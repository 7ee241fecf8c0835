// SparkLabOneStep: one whole step of a network of LIF neurons with exponential current
// receptors and Poisson sources, on the lean closed loop's packed state (spark_lab/_packed.py),
// as one plain C call from Python (ctypes), outside XLA. spark_lab/_onestep.py decides which
// networks qualify and builds the tables below; every other network, and every other platform,
// runs the XLA chunk.
//
// Why: at K = 1 the XLA chunk is 9 thunks (6 fusions, 3 custom calls) in which XLA recomputes
// the LIF update in each of the 4 fusions that read it, and the packing copies the new state
// once more; and a jitted call costs ~15-20 us of dispatch over its ~12 argument leaves, about
// as much as the step's own work. Here the state is read once and the new state written
// straight into the output, and the call costs what ctypes costs (~1 us).
//
// The arithmetic is XLA's, operation for operation, so both give the same bits (tested against
// the XLA chunk): the same f32 operations in the same order (spark_lab/neurons/lif.py,
// spark_lab/synapses/exponential.py, spark_lab/neurons/poisson.py), and a multiply feeding an
// add fused into one fma where the CPU has FMA, as XLA:CPU's code generator does. The library
// is built with -ffp-contract=off so the compiler fuses nothing else.
//
// Tables (int64, row by row):
//   fams (16 per family): kind (0 LIF, 1 Poisson), n, first spike row, then
//     LIF:     offset of v, offset of last (in the state), and (q offset, q stride) of v_rest,
//              a_m, t_ref, v_th, v_reset
//     Poisson: noise stream, (q offset, q stride) of rate
//   recs (8 per receptor, in receptor order per family): family, offset of I, (q offset,
//     q stride) of its decay a, (q offset, q stride) of the LIF's coupling c_exp, first slot
//   ins (4 per input argument, in argument order): family, first neuron in the family, n, phase
//     (0: the chunk's constant inputs, 1: per-step inputs; added in this order, as the chunk does)
//   counts (2 per counted pool): first spike row, n
// A q stride is 1 for a per-neuron parameter and 0 for one value shared by the family.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "deliver.h"

namespace {

constexpr int64_t kFam = 16, kRec = 8, kIn = 4, kCount = 2;

inline float MulAdd(float a, float b, float c) {
#ifdef __FMA__
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}

inline float AsFloat(int32_t w) {
  float f;
  std::memcpy(&f, &w, 4);
  return f;
}

inline int32_t AsWord(float f) {
  int32_t w;
  std::memcpy(&w, &f, 4);
  return w;
}


inline uint32_t Rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// spark_lab/_random.py: threefry2x32 (20 rounds), first output word.
inline uint32_t Threefry(uint32_t k0, uint32_t k1, uint32_t x0, uint32_t x1) {
  static const int kRot[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu};
  x0 += ks[0];
  x1 += ks[1];
  for (int i = 0; i < 5; ++i) {
    for (int r : kRot[i % 2]) {
      x0 += x1;
      x1 = Rotl(x1, r) ^ x0;
    }
    x0 += ks[(i + 1) % 3];
    x1 += ks[(i + 2) % 3] + static_cast<uint32_t>(i + 1);
  }
  return x0;
}

struct Param {
  const float* p;
  int64_t stride;
};

// A parameter as n values: per neuron as stored, or one shared value repeated into ``tmp``.
const float* Dense(Param p, int64_t n, std::vector<float>& tmp) {
  if (p.stride == 1) return p.p;
  tmp.assign(n, *p.p);
  return tmp.data();
}

struct Inputs {
  std::vector<const float*> data;
  const int64_t* ins;
  // cur + the inputs of family ``fam``: per phase (0, then 1) the family's input vector,
  // zeros where no input covers a neuron, added once, as the chunk adds its concatenation
  void Add(int64_t fam, int64_t n, float* __restrict cur) const {
    thread_local std::vector<float> whole;
    for (int phase = 0; phase < 2; ++phase) {
      bool any = false;
      for (size_t j = 0; j < data.size(); ++j) {
        const int64_t* r = ins + kIn * j;
        if (r[0] != fam || r[3] != phase) continue;
        if (!any) whole.assign(n, 0.0f);
        any = true;
        std::memcpy(whole.data() + r[1], data[j], sizeof(float) * r[2]);
      }
      if (any)
        for (int64_t i = 0; i < n; ++i) cur[i] = cur[i] + whole[i];
    }
  }
};

struct Step {
  const int32_t* in;
  int32_t* out;
  const float* q;
  int32_t t;
  float dt;
  Param P(const int64_t* r, int k) const { return Param{q + r[k], r[k + 1]}; }
};

// True when none of the n floats (as words) is NaN or inf: their exponent bits are all set
// exactly then, so the largest exponent field tells (an integer max: vectorised).
bool Finite(const int32_t* __restrict w, int64_t n) {
  uint32_t top = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t e = static_cast<uint32_t>(w[i]) & 0x7f800000u;
    top = e > top ? e : top;
  }
  return top != 0x7f800000u;
}

// One LIF family (spark_lab/neurons/lif.py with its receptors' input): loops of one
// operation each over the family (vectorised), in the chunk's order of operations. The
// receptors' new currents need this step's arrivals: Receive writes them.
bool Lif(const Step& s, const int64_t* f, const std::vector<const int64_t*>& recs, const Inputs& inputs,
         int64_t fam, uint8_t* __restrict spk) {
  const int64_t n = f[1];
  thread_local std::vector<float> cur, exps, x, t1, t2, t3, t4, t5, t6;
  cur.resize(n);
  exps.resize(n);
  x.resize(n);
  const float* __restrict v = reinterpret_cast<const float*>(s.in + f[3]);
  const int32_t* __restrict last = s.in + f[4];
  const float* __restrict I0 = reinterpret_cast<const float*>(s.in + recs[0][1]);
  for (int64_t i = 0; i < n; ++i) cur[i] = exps[i] = I0[i];
  for (size_t j = 1; j < recs.size(); ++j) {
    const float* __restrict I = reinterpret_cast<const float*>(s.in + recs[j][1]);
    for (int64_t i = 0; i < n; ++i) {
      cur[i] = cur[i] + I[i];
      exps[i] = exps[i] + I[i];
    }
  }
  inputs.Add(fam, n, cur.data());
  const float* __restrict vr = Dense(s.P(f, 5), n, t1);
  const float* __restrict a = Dense(s.P(f, 7), n, t2);
  for (int64_t i = 0; i < n; ++i) {
    const float y = MulAdd(v[i] - vr[i], a[i], vr[i]);
    x[i] = MulAdd(cur[i] - exps[i], 1.0f - a[i], y) + 0.0f;      // + the (absent) delta jump
  }
  for (size_t j = 0; j < recs.size(); ++j) {
    const float* __restrict I = reinterpret_cast<const float*>(s.in + recs[j][1]);
    const float* __restrict c = Dense(s.P(recs[j], 4), n, t3);
    for (int64_t i = 0; i < n; ++i) x[i] = MulAdd(I[i], c[i], x[i]);
  }
  const float* __restrict tr = Dense(s.P(f, 9), n, t4);
  const float* __restrict th = Dense(s.P(f, 11), n, t5);
  const float* __restrict rs = Dense(s.P(f, 13), n, t6);
  int32_t* __restrict v_out = s.out + f[3];
  int32_t* __restrict last_out = s.out + f[4];
  uint8_t* __restrict fired = spk + f[2];
  const int32_t t = s.t;
  const float dt = s.dt;
  thread_local std::vector<int32_t> ref;
  ref.resize(n);
  for (int64_t i = 0; i < n; ++i) {     // round(t_ref / dt), half to even (t_ref >= 0 is checked when set)
    const float r = std::nearbyint(tr[i] / dt);
    ref[i] = static_cast<int32_t>(r < 2147483520.0f ? r : 2147483520.0f);
  }
  const int32_t* __restrict rf = ref.data();
  const float* __restrict xs = x.data();
  for (int64_t i = 0; i < n; ++i) {
    const float xi = xs[i], vi = v[i], thi = th[i], rsi = rs[i];     // loaded unconditionally: no branch
    const int32_t li = last[i], d = t - li;
    const float y = d >= rf[i] ? xi : vi;                              // clamped while refractory
    const int32_t fire = (d >= rf[i]) & (y > thi);                     // int32, not bool: vectorised
    const float nv = fire ? rsi : y;
    int32_t w;
    std::memcpy(&w, &nv, 4);
    v_out[i] = w;
    last_out[i] = fire ? t : li;
    fired[i] = static_cast<uint8_t>(fire);
  }
  return Finite(v_out, n);
}

// One Poisson family (spark_lab/neurons/poisson.py): u < (rate + input) * dt / 1000.
void Poisson(const Step& s, const int64_t* f, const Inputs& inputs, int64_t fam, uint32_t seed, float pmul,
             uint8_t* spk) {
  const int64_t n = f[1];
  thread_local std::vector<float> cur, tmp;
  cur.assign(n, 0.0f);
  inputs.Add(fam, n, cur.data());
  const float* rate = Dense(s.P(f, 4), n, tmp);
  const uint32_t stream = static_cast<uint32_t>(f[3]), t = static_cast<uint32_t>(s.t);
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t bits = Threefry(seed, stream, t, static_cast<uint32_t>(i));
    const float u = AsFloat(static_cast<int32_t>((bits >> 9) | 0x3F800000u)) - 1.0f;
    spk[f[2] + i] = u < (rate[i] + cur[i]) * pmul;
  }
}

// A receptor's new current (spark_lab/synapses/exponential.py): decayed, plus this step's arrivals.
bool Receive(const Step& s, const int64_t* r, int64_t n, const float* acc) {
  thread_local std::vector<float> tmp;
  const float* __restrict I = reinterpret_cast<const float*>(s.in + r[1]);
  int32_t* __restrict out = s.out + r[1];
  const float* __restrict a = Dense(s.P(r, 2), n, tmp);
  const float* __restrict x = acc + r[6];
  for (int64_t i = 0; i < n; ++i) {
    const float nI = MulAdd(I[i], a[i], x[i]);
    std::memcpy(out + i, &nI, 4);
  }
  return Finite(out, n);
}

bool InputsFinite(const Inputs& inputs) {
  bool ok = true;
  for (size_t j = 0; j < inputs.data.size(); ++j)
    ok = ok && Finite(reinterpret_cast<const int32_t*>(inputs.data[j]), inputs.ins[kIn * j + 2]);
  return ok;
}

void Propagate(const int64_t* h, const void* const* ptrs, const uint8_t* sp, float* acc) {
  thread_local std::vector<int32_t> idx;
  const auto* rp = static_cast<const int32_t*>(ptrs[1]);
  const auto* ru = static_cast<const int32_t*>(ptrs[2]);
  const auto* rw = static_cast<const float*>(ptrs[4]);
  const auto* w = static_cast<const float*>(ptrs[5]);
  const bool packed = h[8] & 2, per_synapse = h[8] & 4;
  if (packed) {
    const auto* tg = static_cast<const uint16_t*>(ptrs[3]);
    per_synapse ? spark_lab::Deliver<uint16_t, true>(sp, h[6], rp, ru, tg, rw, w, acc, idx)
                : spark_lab::Deliver<uint16_t, false>(sp, h[6], rp, ru, tg, rw, w, acc, idx);
  } else {
    const auto* tg = static_cast<const int32_t*>(ptrs[3]);
    per_synapse ? spark_lab::Deliver<int32_t, true>(sp, h[6], rp, ru, tg, rw, w, acc, idx)
                : spark_lab::Deliver<int32_t, false>(sp, h[6], rp, ru, tg, rw, w, acc, idx);
  }
}

}  // namespace

// One step. ``h``: the header (kHdr words: numbers of families, receptors, inputs and
// counted pools; words, offset of t, n_pad, n_slots, flags (1 propagate, 2 packed targets,
// 4 per-synapse weights), the bits of dt and of pmul) followed by the tables fams, recs, ins,
// counts. ``ptrs``: q, rows, runs, targets, row_w, weights, seed, then one pointer per input.
// ``in``: the packed state; ``out``: words + 1 + counted words, the new state, the finite flag
// and the counts. Returns 0, or -1 where the tables are inconsistent (nothing is trusted then).
extern "C" int SparkLabOneStep(const int64_t* h, const void* const* ptrs, const int32_t* in, int32_t* out) {
  constexpr int64_t kHdr = 11;
  const int64_t n_fams = h[0], n_recs = h[1], n_ins = h[2], n_counts = h[3], words = h[4], t_off = h[5];
  const int64_t n_pad = h[6], n_slots = h[7];
  if (t_off >= words || n_pad % 64 != 0) return -1;
  const int64_t* fams = h + kHdr;
  const int64_t* recs = fams + kFam * n_fams;
  const int64_t* ins = recs + kRec * n_recs;
  const int64_t* counts = ins + kIn * n_ins;
  Inputs inputs{{}, ins};
  for (int64_t j = 0; j < n_ins; ++j) inputs.data.push_back(static_cast<const float*>(ptrs[7 + j]));
  const Step s{in, out, static_cast<const float*>(ptrs[0]), in[t_off], AsFloat(static_cast<int32_t>(h[9]))};
  thread_local std::vector<uint8_t> spk;
  thread_local std::vector<float> acc;
  spk.assign(n_pad, 0);
  bool ok = InputsFinite(inputs);
  std::vector<const int64_t*> mine;
  for (int64_t fi = 0; fi < n_fams; ++fi) {
    const int64_t* f = fams + kFam * fi;
    if (f[2] + f[1] > n_pad) return -1;
    if (f[0] == 0) {
      mine.clear();
      for (int64_t r = 0; r < n_recs; ++r)
        if (recs[kRec * r] == fi) mine.push_back(recs + kRec * r);
      if (mine.empty() || mine.size() > 8) return -1;
      ok = Lif(s, f, mine, inputs, fi, spk.data()) && ok;
    } else {
      Poisson(s, f, inputs, fi, *static_cast<const uint32_t*>(ptrs[6]), AsFloat(static_cast<int32_t>(h[10])),
              spk.data());
    }
  }
  acc.assign(n_slots, 0.0f);
  if (h[8] & 1) Propagate(h, ptrs, spk.data(), acc.data());
  for (int64_t r = 0; r < n_recs; ++r) {
    const int64_t* rr = recs + kRec * r;
    ok = Receive(s, rr, fams[kFam * rr[0] + 1], acc.data()) && ok;
  }
  out[t_off] = s.t + 1;
  int32_t* o = out + words;
  o[0] = ok;
  for (int64_t c = 0; c < n_counts; ++c)
    for (int64_t i = 0; i < counts[kCount * c + 1]; ++i) *++o = spk[counts[kCount * c] + i];
  return 0;
}
