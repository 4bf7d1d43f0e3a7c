// Bit-plane kernels of Pond's exact comparison (runtime/protocols/pond/compare.ts),
// one call per round: planesTranspose, compareInit, compareLevel, compareFinal, then the
// bit injection (compareInjectBit, compareInjectProduct). The
// specification, the layouts (planes, carry-tree state, LEVEL LAYOUT of the masked
// words) and the proof of the carry formula are in runtime/protocols/pond/bitplanes.ts
// and compare.ts; test/protocols/bitplanes.test.ts checks these kernels word for word
// against the TypeScript ones. Plain 64-bit integer code (the compiler vectorises the
// word loops for the build's baseline ISA): no ISA dispatch is needed, and nothing is
// allocated: every result goes into a caller's array, checked for its exact length.
#include "compare.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>

namespace {

using u64 = std::uint64_t;
constexpr std::size_t kGroups = 63;                  // runs of one bit: bits 0..62
constexpr std::size_t kStatePlanes = 2 * kGroups + 1;  // G_0..62, P_0..62, p63

struct Pairs {
  std::size_t pairs, ands, opened;
};

Pairs level_of(std::size_t groups) {
  std::size_t p = groups / 2;
  return {p, 2 * p - 1, 3 * p - 1};
}

// In-place transpose of a 64x64 bit matrix (row k = A[k], column i = bit i): six
// stages of block swaps (Hacker's Delight, 2nd ed., sec. 7-3), as transpose32 in
// bitplanes.ts but on 64-bit rows.
void transpose64(u64* A) {
  static const u64 masks[6] = {0x00000000FFFFFFFFull, 0x0000FFFF0000FFFFull, 0x00FF00FF00FF00FFull,
                               0x0F0F0F0F0F0F0F0Full, 0x3333333333333333ull, 0x5555555555555555ull};
  unsigned j = 32;
  for (int s = 0; s < 6; s++, j >>= 1) {
    const u64 m = masks[s];
    for (unsigned base = 0; base < 64; base += 2 * j) {
      for (unsigned k = base; k < base + j; k++) {  // the rows k with bit j of k clear
        const u64 t = ((A[k] >> j) ^ A[k + j]) & m;
        A[k] ^= t << j;
        A[k + j] ^= t;
      }
    }
  }
}

// Block w of 64 elements of src (n elements; past n: 0), transposed into blk.
void load_block(const u64* src, std::size_t n, std::size_t w, u64* blk) {
  for (std::size_t k = 0; k < 64; k++) {
    const std::size_t e = 64 * w + k;
    blk[k] = e < n ? src[e] : 0;
  }
  transpose64(blk);
}

// Blocks are transposed kBlocks at a time, so that each plane receives kBlocks
// consecutive words (one cache line) per pass instead of one word per plane.
constexpr std::size_t kBlocks = 8;

void transpose_planes(const u64* src, std::size_t n, u64* out, std::size_t W) {
  u64 blk[kBlocks][64];
  for (std::size_t w0 = 0; w0 < W; w0 += kBlocks) {
    const std::size_t nb = W - w0 < kBlocks ? W - w0 : kBlocks;
    for (std::size_t b = 0; b < nb; b++) load_block(src, n, w0 + b, blk[b]);
    for (std::size_t i = 0; i < 64; i++) {
      for (std::size_t b = 0; b < nb; b++) out[i * W + w0 + b] = blk[b][i];
    }
  }
}

void masked(std::size_t groups, const u64* st, const u64* a, const u64* b, u64* out, std::size_t W) {
  const std::size_t pairs = groups / 2;
  const u64* P = st + kGroups * W;
  for (std::size_t q = 0; q < pairs; q++) {
    const std::size_t lo = 2 * q, hi = lo + 1, jG = q == 0 ? 0 : 2 * q - 1;
    u64* d = out + q * W;
    u64* eG = out + (pairs + jG) * W;
    const u64* ph = P + hi * W;
    const u64* gl = st + lo * W;
    const u64* aq = a + q * W;
    const u64* bG = b + jG * W;
    for (std::size_t t = 0; t < W; t++) {
      d[t] = ph[t] ^ aq[t];
      eG[t] = gl[t] ^ bG[t];
    }
    if (q > 0) {
      u64* eP = eG + W;
      const u64* pl = P + lo * W;
      const u64* bP = bG + W;
      for (std::size_t t = 0; t < W; t++) eP[t] = pl[t] ^ bP[t];
    }
  }
}

void init(const u64* c, std::size_t n, const u64* r, bool s0, u64* st, const u64* a, const u64* b, u64* out, std::size_t W) {
  const u64 flip = s0 ? ~0ull : 0;  // u = ~r: server0 complements its share
  u64* P = st + kGroups * W;
  u64* p63 = st + 2 * kGroups * W;
  u64 blk[kBlocks][64];
  for (std::size_t w0 = 0; w0 < W; w0 += kBlocks) {
    const std::size_t nb = W - w0 < kBlocks ? W - w0 : kBlocks;
    for (std::size_t b = 0; b < nb; b++) load_block(c, n, w0 + b, blk[b]);
    for (std::size_t i = 0; i < 64; i++) {
      for (std::size_t b = 0; b < nb; b++) {
        const std::size_t w = w0 + b;
        const u64 ci = blk[b][i];
        const u64 ui = r[i * W + w] ^ flip;
        const u64 p = s0 ? ci ^ ui : ui;  // c ^ u: c is public, server0 adds it
        if (i == 63) {
          p63[w] = p;
        } else if (i == 0) {
          st[w] = (ci & ui) ^ p;  // carry-in 1 folded into bit 0: g0 | p0 = g0 ^ p0
          P[w] = 0;
        } else {
          st[i * W + w] = ci & ui;
          P[i * W + w] = p;
        }
      }
    }
  }
  masked(kGroups, st, a, b, out, W);
}

void level(std::size_t groups, u64* st, const u64* mine, const u64* theirs, const u64* a, const u64* b, const u64* c, bool s0,
           const u64* na, const u64* nb, u64* out, std::size_t W) {
  const Pairs L = level_of(groups);
  u64* P = st + kGroups * W;
  const u64 dd = s0 ? ~0ull : 0;  // d & e enters once, on server0
  for (std::size_t q = 0; q < L.pairs; q++) {
    const std::size_t hi = 2 * q + 1, jG = q == 0 ? 0 : 2 * q - 1;
    const u64* md = mine + q * W;
    const u64* td = theirs + q * W;
    const u64* aq = a + q * W;
    const u64* meG = mine + (L.pairs + jG) * W;
    const u64* teG = theirs + (L.pairs + jG) * W;
    const u64* bG = b + jG * W;
    const u64* cG = c + jG * W;
    const u64* gh = st + hi * W;
    u64* gq = st + q * W;
    if (q == 0) {
      for (std::size_t t = 0; t < W; t++) {
        const u64 d = md[t] ^ td[t];
        const u64 e = meG[t] ^ teG[t];
        gq[t] = gh[t] ^ (d & bG[t]) ^ (e & aq[t]) ^ cG[t] ^ (d & e & dd);
      }
    } else {
      u64* pq = P + q * W;
      for (std::size_t t = 0; t < W; t++) {
        const u64 d = md[t] ^ td[t];
        const u64 eG = meG[t] ^ teG[t];
        const u64 eP = meG[W + t] ^ teG[W + t];
        const u64 g = gh[t] ^ (d & bG[t]) ^ (eG & aq[t]) ^ cG[t] ^ (d & eG & dd);
        pq[t] = (d & bG[W + t]) ^ (eP & aq[t]) ^ cG[W + t] ^ (d & eP & dd);
        gq[t] = g;
      }
    }
  }
  if (groups % 2 == 1) {
    const std::size_t from = (groups - 1) * W, to = L.pairs * W;
    for (std::size_t t = 0; t < W; t++) {
      st[to + t] = st[from + t];
      P[to + t] = P[from + t];
    }
  }
  const std::size_t next = (groups + 1) / 2;
  if (next > 1) masked(next, st, na, nb, out, W);
}

// Bit injection (compare.ts step 3), element k with e_k = bit k % 64 of word k / 64:
// [b] = e + (1 - 2e)[s] (server0 adds e), i.e. e ? [s0] - [s] : [s].
void inject_bit(const u64* e, bool s0, const u64* s, u64* out, std::size_t n) {
  const u64 one = s0 ? 1 : 0;
  for (std::size_t k = 0; k < n; k++) {
    const u64 m = 0 - ((e[k >> 6] >> (k & 63)) & 1);  // all ones where e = 1
    out[k] = (m & (one - s[k])) | (~m & s[k]);
  }
}

// [b y] = e [y] + (1 - 2e)[y s], [y s] = (y - a) [s] + [a s]: e ? [y] - [ys] : [ys].
void inject_product(const u64* e, const u64* y, const u64* ya, const u64* s, const u64* as, u64* out, std::size_t n) {
  for (std::size_t k = 0; k < n; k++) {
    const u64 m = 0 - ((e[k >> 6] >> (k & 63)) & 1);
    const u64 ys = ya[k] * s[k] + as[k];
    out[k] = (m & (y[k] - ys)) | (~m & ys);
  }
}

void final_bits(const u64* st, bool s0, const u64* s, u64* out, std::size_t W) {
  const u64 flip = s0 ? ~0ull : 0;  // [x >= 0] = ~msb: server0 complements its share
  const u64* p63 = st + 2 * kGroups * W;
  for (std::size_t t = 0; t < W; t++) out[t] = p63[t] ^ st[t] ^ flip ^ s[t];
}

// ---- Node-API glue ---------------------------------------------------------------

struct Arr {
  u64* data = nullptr;
  std::size_t len = 0;
  const char* name = "";
};

bool fail(napi_env env, const char* code, const char* fn, const char* fmt, std::size_t x, std::size_t y) {
  char msg[256];
  int k = std::snprintf(msg, sizeof msg, "compare planes (%s): ", fn);
  if (k > 0 && static_cast<std::size_t>(k) < sizeof msg) std::snprintf(msg + k, sizeof msg - k, fmt, x, y);
  napi_throw_error(env, code, msg);
  return false;
}

bool call_ok(napi_env env, napi_status s, const char* fn) {
  if (s == napi_ok) return true;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, "E_BACKEND", "compare planes: a Node-API call failed");
  (void)fn;
  return false;
}

bool get_arr(napi_env env, napi_value v, const char* fn, const char* name, Arr* out) {
  bool is_ta = false;
  if (!call_ok(env, napi_is_typedarray(env, v, &is_ta), fn)) return false;
  napi_typedarray_type type = napi_int8_array;
  void* data = nullptr;
  std::size_t len = 0;
  if (is_ta && !call_ok(env, napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr), fn)) return false;
  if (!is_ta || type != napi_biguint64_array) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "compare planes (%s): %s must be a BigUint64Array", fn, name);
    napi_throw_error(env, "E_ARG", msg);
    return false;
  }
  if (len > 0 && (data == nullptr || reinterpret_cast<std::uintptr_t>(data) % alignof(u64) != 0)) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "compare planes (%s): %s is detached or not 8-byte aligned", fn, name);
    napi_throw_error(env, "E_ARG", msg);
    return false;
  }
  out->data = static_cast<u64*>(data);
  out->len = len;
  out->name = name;
  return true;
}

bool get_bool(napi_env env, napi_value v, const char* fn, bool* out) {
  if (napi_get_value_bool(env, v, out) == napi_ok) return true;
  char msg[128];
  std::snprintf(msg, sizeof msg, "compare planes (%s): s0 must be a boolean", fn);
  napi_throw_error(env, "E_ARG", msg);
  return false;
}

bool args(napi_env env, napi_callback_info info, std::size_t want, napi_value* argv, const char* fn) {
  std::size_t argc = want;
  if (!call_ok(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), fn)) return false;
  if (argc < want) return fail(env, "E_ARG", fn, "expected %zu arguments, got %zu", want, argc);
  return true;
}

bool need(napi_env env, const char* fn, const Arr& x, std::size_t want) {
  if (x.len == want) return true;
  char msg[200];
  std::snprintf(msg, sizeof msg, "compare planes (%s): %s has %zu words, expected %zu", fn, x.name, x.len, want);
  napi_throw_error(env, "E_SHAPE", msg);
  return false;
}

// Outputs may not overlap any other argument (the kernels read inputs while writing).
bool disjoint(napi_env env, const char* fn, const Arr* const* all, std::size_t count, std::size_t outputs) {
  for (std::size_t i = 0; i < outputs; i++) {
    for (std::size_t k = 0; k < count; k++) {
      const Arr& x = *all[i];
      const Arr& y = *all[k];
      if (k == i || x.len == 0 || y.len == 0) continue;
      if (x.data < y.data + y.len && y.data < x.data + x.len) {
        char msg[200];
        std::snprintf(msg, sizeof msg, "compare planes (%s): %s overlaps %s", fn, x.name, y.name);
        napi_throw_error(env, "E_ARG", msg);
        return false;
      }
    }
  }
  return true;
}

// planesTranspose(src, out): out (64 W words) = the bit planes of src (n elements).
napi_value PlanesTranspose(napi_env env, napi_callback_info info) {
  const char* fn = "transpose";
  napi_value argv[2];
  Arr src, out;
  if (!args(env, info, 2, argv, fn) || !get_arr(env, argv[0], fn, "src", &src) || !get_arr(env, argv[1], fn, "out", &out)) return nullptr;
  const std::size_t W = (src.len + 63) / 64;
  const Arr* all[] = {&out, &src};
  if (!need(env, fn, out, 64 * W) || !disjoint(env, fn, all, 2, 1)) return nullptr;
  transpose_planes(src.data, src.len, out.data, W);
  return nullptr;
}

// compareInit(c, rPlanes, s0, state, a, b, out)
napi_value CompareInit(napi_env env, napi_callback_info info) {
  const char* fn = "init";
  napi_value argv[7];
  Arr c, r, st, a, b, out;
  bool s0 = false;
  if (!args(env, info, 7, argv, fn) || !get_arr(env, argv[0], fn, "c", &c) || !get_arr(env, argv[1], fn, "r planes", &r) ||
      !get_bool(env, argv[2], fn, &s0) || !get_arr(env, argv[3], fn, "state", &st) || !get_arr(env, argv[4], fn, "a", &a) ||
      !get_arr(env, argv[5], fn, "b", &b) || !get_arr(env, argv[6], fn, "out", &out)) {
    return nullptr;
  }
  if (r.len % 64 != 0) return fail(env, "E_SHAPE", fn, "r planes has %zu words, not a multiple of %zu planes", r.len, 64), nullptr;
  const std::size_t W = r.len / 64;
  if ((c.len + 63) / 64 != W) return fail(env, "E_SHAPE", fn, "%zu elements do not fit r planes of %zu words per plane", c.len, W), nullptr;
  const Pairs L = level_of(kGroups);
  const Arr* all[] = {&st, &out, &c, &r, &a, &b};
  if (!need(env, fn, st, kStatePlanes * W) || !need(env, fn, a, L.pairs * W) || !need(env, fn, b, L.ands * W) ||
      !need(env, fn, out, L.opened * W) || !disjoint(env, fn, all, 6, 2)) {
    return nullptr;
  }
  init(c.data, c.len, r.data, s0, st.data, a.data, b.data, out.data, W);
  return nullptr;
}

// compareLevel(groups, state, mine, theirs, a, b, c, s0, nextA, nextB, out)
napi_value CompareLevel(napi_env env, napi_callback_info info) {
  const char* fn = "level";
  napi_value argv[11];
  if (!args(env, info, 11, argv, fn)) return nullptr;
  int32_t groups = 0;
  if (napi_get_value_int32(env, argv[0], &groups) != napi_ok || groups < 2 || groups > static_cast<int32_t>(kGroups)) {
    return fail(env, "E_ARG", fn, "a level over a number of groups outside %zu..%zu", 2, kGroups), nullptr;
  }
  Arr st, mine, theirs, a, b, c, na, nb, out;
  bool s0 = false;
  if (!get_arr(env, argv[1], fn, "state", &st) || !get_arr(env, argv[2], fn, "mine", &mine) || !get_arr(env, argv[3], fn, "theirs", &theirs) ||
      !get_arr(env, argv[4], fn, "a", &a) || !get_arr(env, argv[5], fn, "b", &b) || !get_arr(env, argv[6], fn, "c", &c) ||
      !get_bool(env, argv[7], fn, &s0) || !get_arr(env, argv[8], fn, "next a", &na) || !get_arr(env, argv[9], fn, "next b", &nb) ||
      !get_arr(env, argv[10], fn, "out", &out)) {
    return nullptr;
  }
  if (st.len % kStatePlanes != 0) return fail(env, "E_SHAPE", fn, "state has %zu words, not a multiple of %zu planes", st.len, kStatePlanes), nullptr;
  const std::size_t W = st.len / kStatePlanes;
  const Pairs L = level_of(static_cast<std::size_t>(groups));
  if (!need(env, fn, mine, L.opened * W) || !need(env, fn, theirs, L.opened * W) || !need(env, fn, a, L.pairs * W) ||
      !need(env, fn, b, L.ands * W) || !need(env, fn, c, L.ands * W)) {
    return nullptr;
  }
  const std::size_t next = (static_cast<std::size_t>(groups) + 1) / 2;
  const Pairs N = next > 1 ? level_of(next) : Pairs{0, 0, 0};
  const Arr* all[] = {&st, &out, &mine, &theirs, &a, &b, &c, &na, &nb};
  if (!need(env, fn, na, N.pairs * W) || !need(env, fn, nb, N.ands * W) || !need(env, fn, out, N.opened * W) ||
      !disjoint(env, fn, all, 9, 2)) {
    return nullptr;
  }
  level(static_cast<std::size_t>(groups), st.data, mine.data, theirs.data, a.data, b.data, c.data, s0, na.data, nb.data, out.data, W);
  return nullptr;
}

// compareFinal(state, s0, s, out)
napi_value CompareFinal(napi_env env, napi_callback_info info) {
  const char* fn = "final";
  napi_value argv[4];
  Arr st, s, out;
  bool s0 = false;
  if (!args(env, info, 4, argv, fn) || !get_arr(env, argv[0], fn, "state", &st) || !get_bool(env, argv[1], fn, &s0) ||
      !get_arr(env, argv[2], fn, "s", &s) || !get_arr(env, argv[3], fn, "out", &out)) {
    return nullptr;
  }
  if (st.len % kStatePlanes != 0) return fail(env, "E_SHAPE", fn, "state has %zu words, not a multiple of %zu planes", st.len, kStatePlanes), nullptr;
  const std::size_t W = st.len / kStatePlanes;
  const Arr* all[] = {&out, &st, &s};
  if (!need(env, fn, s, W) || !need(env, fn, out, W) || !disjoint(env, fn, all, 3, 1)) return nullptr;
  final_bits(st.data, s0, s.data, out.data, W);
  return nullptr;
}

// compareInjectBit(e, s0, sArith, out)
napi_value CompareInjectBit(napi_env env, napi_callback_info info) {
  const char* fn = "injectBit";
  napi_value argv[4];
  Arr e, s, out;
  bool s0 = false;
  if (!args(env, info, 4, argv, fn) || !get_arr(env, argv[0], fn, "e", &e) || !get_bool(env, argv[1], fn, &s0) ||
      !get_arr(env, argv[2], fn, "s", &s) || !get_arr(env, argv[3], fn, "out", &out)) {
    return nullptr;
  }
  const Arr* all[] = {&out, &e, &s};
  if (!need(env, fn, e, (s.len + 63) / 64) || !need(env, fn, out, s.len) || !disjoint(env, fn, all, 3, 1)) return nullptr;
  inject_bit(e.data, s0, s.data, out.data, s.len);
  return nullptr;
}

// compareInjectProduct(e, y, yMinusA, sArith, aS, out)
napi_value CompareInjectProduct(napi_env env, napi_callback_info info) {
  const char* fn = "injectProduct";
  napi_value argv[6];
  Arr e, y, ya, s, as, out;
  if (!args(env, info, 6, argv, fn) || !get_arr(env, argv[0], fn, "e", &e) || !get_arr(env, argv[1], fn, "y", &y) ||
      !get_arr(env, argv[2], fn, "y - a", &ya) || !get_arr(env, argv[3], fn, "s", &s) || !get_arr(env, argv[4], fn, "a s", &as) ||
      !get_arr(env, argv[5], fn, "out", &out)) {
    return nullptr;
  }
  const std::size_t n = s.len;
  const Arr* all[] = {&out, &e, &y, &ya, &s, &as};
  if (!need(env, fn, e, (n + 63) / 64) || !need(env, fn, y, n) || !need(env, fn, ya, n) || !need(env, fn, as, n) ||
      !need(env, fn, out, n) || !disjoint(env, fn, all, 6, 1)) {
    return nullptr;
  }
  inject_product(e.data, y.data, ya.data, s.data, as.data, out.data, n);
  return nullptr;
}

}  // namespace

namespace tfe {

bool register_compare(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"planesTranspose", nullptr, PlanesTranspose, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"compareInit", nullptr, CompareInit, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"compareLevel", nullptr, CompareLevel, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"compareFinal", nullptr, CompareFinal, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"compareInjectBit", nullptr, CompareInjectBit, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"compareInjectProduct", nullptr, CompareInjectProduct, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}

}  // namespace tfe
