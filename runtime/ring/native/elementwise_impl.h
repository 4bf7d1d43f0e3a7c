// The elementwise kernels and row sums, written once as a macro and stamped out
// per ISA with a `target` attribute (portable.cc, avx2.cc, avx512.cc), so the
// compiler vectorises each copy for that ISA while the rest of the build stays
// portable. Loops load a block of 8 before storing it, so `out` may be the very
// same array as an input (the glue rejects partial overlaps).
#ifndef TFE_RING_NATIVE_ELEMENTWISE_IMPL_H_
#define TFE_RING_NATIVE_ELEMENTWISE_IMPL_H_

#include "ring.h"

// Block of 8 elements: one AVX-512 vector, two AVX2 vectors, four SSE2 vectors.
#define TFE_EW_BLOCK 8

// Applies EXPR (in terms of x = a[i], y = b[i]) to every element.
#define TFE_EW_LOOP2(EXPR)                                                    \
  do {                                                                        \
    std::size_t i = 0;                                                        \
    for (; i + TFE_EW_BLOCK <= n; i += TFE_EW_BLOCK) {                        \
      u64 xs[TFE_EW_BLOCK], ys[TFE_EW_BLOCK];                                 \
      for (int j = 0; j < TFE_EW_BLOCK; j++) {                                \
        xs[j] = a[i + j];                                                     \
        ys[j] = b[i + j];                                                     \
      }                                                                       \
      for (int j = 0; j < TFE_EW_BLOCK; j++) {                                \
        const u64 x = xs[j], y = ys[j];                                       \
        out[i + j] = (EXPR);                                                  \
      }                                                                       \
    }                                                                         \
    for (; i < n; i++) {                                                      \
      const u64 x = a[i], y = b[i];                                           \
      out[i] = (EXPR);                                                        \
    }                                                                         \
  } while (0)

#define TFE_EW_LOOP1(EXPR)                                                    \
  do {                                                                        \
    std::size_t i = 0;                                                        \
    for (; i + TFE_EW_BLOCK <= n; i += TFE_EW_BLOCK) {                        \
      u64 xs[TFE_EW_BLOCK];                                                   \
      for (int j = 0; j < TFE_EW_BLOCK; j++) xs[j] = a[i + j];                \
      for (int j = 0; j < TFE_EW_BLOCK; j++) {                                \
        const u64 x = xs[j];                                                  \
        out[i + j] = (EXPR);                                                  \
      }                                                                       \
    }                                                                         \
    for (; i < n; i++) {                                                      \
      const u64 x = a[i];                                                     \
      out[i] = (EXPR);                                                        \
    }                                                                         \
  } while (0)

// Defines tfe::NS::elementwise() returning the function set compiled with ATTR.
// Row sums and dot products keep 8 partial sums (one per block lane) so they
// vectorise; integer addition mod 2^64 is associative, so the order is exact.
// sar is written with unsigned operations only: the logical shift, then the
// sign bit smeared over the top k+1 bits (all shift amounts stay in 0..63).
#define TFE_DEFINE_ELEMENTWISE(NS, ATTR)                                                 \
  namespace tfe {                                                                        \
  namespace NS {                                                                         \
  ATTR static void binary(BinOp op, const u64* a, const u64* b, u64* out, std::size_t n) { \
    switch (op) {                                                                        \
      case BinOp::Add: TFE_EW_LOOP2(x + y); break;                                       \
      case BinOp::Sub: TFE_EW_LOOP2(x - y); break;                                       \
      case BinOp::Mul: TFE_EW_LOOP2(x * y); break;                                       \
      case BinOp::And: TFE_EW_LOOP2(x & y); break;                                       \
      case BinOp::Xor: TFE_EW_LOOP2(x ^ y); break;                                       \
      case BinOp::Or: TFE_EW_LOOP2(x | y); break;                                        \
    }                                                                                    \
  }                                                                                      \
  ATTR static void unary(UnOp op, const u64* a, u64* out, std::size_t n) {               \
    switch (op) {                                                                        \
      case UnOp::Neg: TFE_EW_LOOP1(u64{0} - x); break;                                   \
      case UnOp::Not: TFE_EW_LOOP1(~x); break;                                           \
    }                                                                                    \
  }                                                                                      \
  ATTR static void shift(ShiftOp op, const u64* a, unsigned k, u64* out, std::size_t n) { \
    const unsigned up = 63u - k;                                                         \
    switch (op) {                                                                        \
      case ShiftOp::Shr: TFE_EW_LOOP1(x >> k); break;                                    \
      case ShiftOp::Shl: TFE_EW_LOOP1(x << k); break;                                    \
      case ShiftOp::Sar: TFE_EW_LOOP1((x >> k) | ((u64{0} - (x >> 63)) << up)); break;   \
    }                                                                                    \
  }                                                                                      \
  ATTR static void row_sum(const u64* a, std::size_t rows, std::size_t cols, u64* out) {  \
    for (std::size_t r = 0; r < rows; r++) {                                             \
      const u64* row = a + r * cols;                                                     \
      u64 s[TFE_EW_BLOCK] = {0, 0, 0, 0, 0, 0, 0, 0};                                    \
      std::size_t c = 0;                                                                 \
      for (; c + TFE_EW_BLOCK <= cols; c += TFE_EW_BLOCK)                                \
        for (int j = 0; j < TFE_EW_BLOCK; j++) s[j] += row[c + j];                       \
      u64 t = 0;                                                                         \
      for (; c < cols; c++) t += row[c];                                                 \
      for (int j = 0; j < TFE_EW_BLOCK; j++) t += s[j];                                  \
      out[r] = t;                                                                        \
    }                                                                                    \
  }                                                                                      \
  ATTR static void row_dot(const u64* a, const u64* b, std::size_t rows, std::size_t cols, \
                           u64* out) {                                                   \
    for (std::size_t r = 0; r < rows; r++) {                                             \
      const u64* row = a + r * cols;                                                     \
      u64 s[TFE_EW_BLOCK] = {0, 0, 0, 0, 0, 0, 0, 0};                                    \
      std::size_t c = 0;                                                                 \
      for (; c + TFE_EW_BLOCK <= cols; c += TFE_EW_BLOCK)                                \
        for (int j = 0; j < TFE_EW_BLOCK; j++) s[j] += row[c + j] * b[c + j];            \
      u64 t = 0;                                                                         \
      for (; c < cols; c++) t += row[c] * b[c];                                          \
      for (int j = 0; j < TFE_EW_BLOCK; j++) t += s[j];                                  \
      out[r] = t;                                                                        \
    }                                                                                    \
  }                                                                                      \
  const ElementwiseFns& elementwise() {                                                  \
    static const ElementwiseFns fns = {binary, unary, shift, row_sum, row_dot};          \
    return fns;                                                                          \
  }                                                                                      \
  }                                                                                      \
  }

#endif  // TFE_RING_NATIVE_ELEMENTWISE_IMPL_H_
