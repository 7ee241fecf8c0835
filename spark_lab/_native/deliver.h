// Event-driven delivery of one step's spikes through the compressed-row layout of
// spikeprop.cc (see there); shared by spark_lab_spikeprop and SparkLabOneStep (onestep.cc).
#ifndef SPARK_LAB_DELIVER_H_
#define SPARK_LAB_DELIVER_H_

#include <cstdint>
#include <cstring>
#include <vector>

namespace spark_lab {

template <typename T, bool PerSynapse>
static void DeliverRow(int64_t i, const int32_t* rows, const int32_t* runs, const T* tg, const float* row_w,
                       const float* w, float* acc) {
  int64_t s = rows[2 * i];
  if (PerSynapse) {
    const int64_t e = rows[2 * i + 2];
    for (; s < e; ++s) acc[tg[s]] += w[s];
  } else {
    const float f = row_w[i];
    for (int64_t r = rows[2 * i + 1], re = rows[2 * i + 3]; r < re; ++r) {
      const int64_t e = runs[2 * r];
      const float x = f * w[runs[2 * r + 1]];
      for (; s < e; ++s) acc[tg[s]] += x;
    }
  }
}

template <typename T, bool PerSynapse>
static void Deliver(const uint8_t* spk, int64_t n, const int32_t* rows, const int32_t* runs, const T* tg,
                    const float* row_w, const float* w, float* acc, std::vector<int32_t>& idx) {
  // 1. the spiking rows, 8 flags at a time (n is a multiple of 64)
  idx.clear();
  for (int64_t k = 0; k < n / 8; ++k) {
    uint64_t bits;
    std::memcpy(&bits, spk + 8 * k, 8);
    if (bits == 0) continue;
    for (int64_t i = 8 * k; i < 8 * k + 8; ++i)
      if (spk[i]) idx.push_back(static_cast<int32_t>(i));
  }
  // 2. deliver row by row; the row table entries two rows ahead and the first target lines
  // one row ahead are prefetched (the rows are scattered over megabytes: cache misses)
  const int64_t m = static_cast<int64_t>(idx.size());
  for (int64_t j = 0; j < m; ++j) {
    if (j + 2 < m) __builtin_prefetch(rows + 2 * idx[j + 2]);
    if (j + 1 < m) {
      const T* nxt = tg + rows[2 * idx[j + 1]];
      for (int c = 0; c < 4; ++c) __builtin_prefetch(reinterpret_cast<const char*>(nxt) + 64 * c);
      if (!PerSynapse) __builtin_prefetch(runs + 2 * rows[2 * idx[j + 1] + 1]);
    }
    DeliverRow<T, PerSynapse>(idx[j], rows, runs, tg, row_w, w, acc);
  }
}

}  // namespace spark_lab

#endif  // SPARK_LAB_DELIVER_H_
