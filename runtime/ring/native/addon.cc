// Node-API glue for the native ring engine (build/Release/tfe_ring.node).
// Every kernel works in place on the caller's BigUint64Arrays (no copies): the
// arguments are checked (type, length, alignment, overlap, integer ranges) and
// misuse throws a JS Error with a `code` (E_ARG / E_SHAPE / E_BACKEND) instead
// of touching memory. runtime/ring/native.ts wraps this as a FlatKernels.
#ifndef NAPI_VERSION
#define NAPI_VERSION 8  // binding.gyp sets it too; 8 is Node >= 12.22 / 14.17 / 15.12
#endif
#include <node_api.h>

#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <system_error>

#include "aes.h"
#include "compare.h"
#include "dcf.h"
#include "kernels.h"

namespace tfe {
napi_value MallocKeep(napi_env env, napi_callback_info info);  // malloc_keep.cc
}

namespace {

using tfe::u64;

// Upper bound for setThreads: far above any core count, low enough that a typo
// cannot ask the OS for millions of threads.
constexpr int kMaxThreads = 1024;

void throw_error(napi_env env, const char* code, const char* fmt, ...) {
  char msg[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(msg, sizeof msg, fmt, args);
  va_end(args);
  napi_throw_error(env, code, msg);
}

// Returns false (with a pending JS exception) if a N-API call failed.
bool ok(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return true;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) throw_error(env, "E_BACKEND", "tfe_ring: %s failed (napi status %d)", what, static_cast<int>(status));
  return false;
}

struct Array {
  u64* data;
  std::size_t len;
};

const char* typed_array_name(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "typed array";
  }
}

// The data and length of a typed array of type `want` (named `want_name` in errors),
// refusing another type or a detached buffer: the one checker of every argument array.
bool get_typed(napi_env env, napi_value v, const char* fn, const char* what, napi_typedarray_type want,
               const char* want_name, void** data, std::size_t* len) {
  bool is_ta = false;
  if (!ok(env, napi_is_typedarray(env, v, &is_ta), "napi_is_typedarray")) return false;
  if (!is_ta) {
    throw_error(env, "E_ARG", "%s: %s must be a %s", fn, what, want_name);
    return false;
  }
  napi_typedarray_type type;
  napi_value buffer;
  std::size_t offset = 0;
  if (!ok(env, napi_get_typedarray_info(env, v, &type, len, data, &buffer, &offset), "napi_get_typedarray_info")) {
    return false;
  }
  if (type != want) {
    throw_error(env, "E_ARG", "%s: %s must be a %s, got a %s", fn, what, want_name, typed_array_name(type));
    return false;
  }
  if (*len > 0 && *data == nullptr) {
    throw_error(env, "E_ARG", "%s: %s has no data (its ArrayBuffer was detached?)", fn, what);
    return false;
  }
  return true;
}

bool get_array(napi_env env, napi_value v, const char* fn, const char* what, Array* out) {
  void* data = nullptr;
  std::size_t len = 0;
  if (!get_typed(env, v, fn, what, napi_biguint64_array, "BigUint64Array", &data, &len)) return false;
  if (reinterpret_cast<std::uintptr_t>(data) % alignof(u64) != 0) {
    throw_error(env, "E_ARG", "%s: %s is not 8-byte aligned", fn, what);
    return false;
  }
  out->data = static_cast<u64*>(data);
  out->len = len;
  return true;
}

// A non-negative integer below 2^53 (a JS safe integer).
bool get_size(napi_env env, napi_value v, const char* fn, const char* what, std::size_t* out) {
  napi_valuetype t;
  if (!ok(env, napi_typeof(env, v, &t), "napi_typeof")) return false;
  double d = 0;
  if (t == napi_number && !ok(env, napi_get_value_double(env, v, &d), "napi_get_value_double")) return false;
  if (t != napi_number || !(d >= 0) || d > 9007199254740991.0 || std::floor(d) != d) {
    throw_error(env, "E_ARG", "%s: %s must be a non-negative integer", fn, what);
    return false;
  }
  *out = static_cast<std::size_t>(d);
  return true;
}

bool overlaps(const Array& x, const Array& y) {
  if (x.len == 0 || y.len == 0) return false;
  return x.data < y.data + y.len && y.data < x.data + x.len;
}

// Elementwise kernels may write into an input, but only exactly in place.
bool check_out(napi_env env, const char* fn, const Array& out, const Array& in, const char* in_name) {
  if (overlaps(out, in) && out.data != in.data) {
    throw_error(env, "E_ARG", "%s: out partially overlaps %s (it may only be the very same array)", fn, in_name);
    return false;
  }
  return true;
}

bool get_args(napi_env env, napi_callback_info info, std::size_t want, napi_value* argv, const char* fn) {
  std::size_t argc = want;
  if (!ok(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "napi_get_cb_info")) return false;
  if (argc < want) {
    throw_error(env, "E_ARG", "%s: expected %zu arguments, got %zu", fn, want, argc);
    return false;
  }
  return true;
}

// Runs a kernel, turning C++ failures (out of memory, no threads) into JS errors.
template <class F>
napi_value guarded(napi_env env, const char* fn, F f) {
  try {
    f();
  } catch (const std::bad_alloc&) {
    throw_error(env, "E_BACKEND", "%s: out of memory", fn);
  } catch (const std::system_error& e) {
    throw_error(env, "E_BACKEND", "%s: could not start worker threads (%s)", fn, e.what());
  } catch (const std::exception& e) {
    throw_error(env, "E_BACKEND", "%s: %s", fn, e.what());
  }
  return nullptr;
}

template <tfe::BinOp Op>
napi_value Binary(napi_env env, napi_callback_info info) {
  static const char* const names[] = {"add", "sub", "mul", "and", "xor", "or"};
  const char* fn = names[static_cast<int>(Op)];
  napi_value argv[3];
  Array a, b, out;
  if (!get_args(env, info, 3, argv, fn) || !get_array(env, argv[0], fn, "a", &a) ||
      !get_array(env, argv[1], fn, "b", &b) || !get_array(env, argv[2], fn, "out", &out)) {
    return nullptr;
  }
  if (a.len != b.len || a.len != out.len) {
    throw_error(env, "E_SHAPE", "%s: lengths differ (a %zu, b %zu, out %zu)", fn, a.len, b.len, out.len);
    return nullptr;
  }
  if (!check_out(env, fn, out, a, "a") || !check_out(env, fn, out, b, "b")) return nullptr;
  return guarded(env, fn, [&] { tfe::binary(Op, a.data, b.data, out.data, out.len); });
}

template <tfe::UnOp Op>
napi_value Unary(napi_env env, napi_callback_info info) {
  const char* fn = Op == tfe::UnOp::Neg ? "neg" : "not";
  napi_value argv[2];
  Array a, out;
  if (!get_args(env, info, 2, argv, fn) || !get_array(env, argv[0], fn, "a", &a) ||
      !get_array(env, argv[1], fn, "out", &out)) {
    return nullptr;
  }
  if (a.len != out.len) {
    throw_error(env, "E_SHAPE", "%s: lengths differ (a %zu, out %zu)", fn, a.len, out.len);
    return nullptr;
  }
  if (!check_out(env, fn, out, a, "a")) return nullptr;
  return guarded(env, fn, [&] { tfe::unary(Op, a.data, out.data, out.len); });
}

template <tfe::ShiftOp Op>
napi_value Shift(napi_env env, napi_callback_info info) {
  static const char* const names[] = {"shr", "sar", "shl"};
  const char* fn = names[static_cast<int>(Op)];
  napi_value argv[3];
  Array a, out;
  std::size_t k = 0;
  if (!get_args(env, info, 3, argv, fn) || !get_array(env, argv[0], fn, "a", &a) ||
      !get_size(env, argv[1], fn, "shift amount", &k) || !get_array(env, argv[2], fn, "out", &out)) {
    return nullptr;
  }
  if (k > 63) {
    throw_error(env, "E_ARG", "%s: shift amount %zu outside 0..63", fn, k);
    return nullptr;
  }
  if (a.len != out.len) {
    throw_error(env, "E_SHAPE", "%s: lengths differ (a %zu, out %zu)", fn, a.len, out.len);
    return nullptr;
  }
  if (!check_out(env, fn, out, a, "a")) return nullptr;
  return guarded(env, fn, [&] { tfe::shift(Op, a.data, static_cast<unsigned>(k), out.data, out.len); });
}

// Product of two sizes, or false if it does not fit (then no array can match it).
bool mul_size(std::size_t x, std::size_t y, std::size_t* out) { return !__builtin_mul_overflow(x, y, out); }

napi_value Matmul(napi_env env, napi_callback_info info) {
  const char* fn = "matmul";
  napi_value argv[6];
  Array a, b, out;
  std::size_t m = 0, k = 0, n = 0;
  if (!get_args(env, info, 6, argv, fn) || !get_array(env, argv[0], fn, "a", &a) ||
      !get_array(env, argv[1], fn, "b", &b) || !get_array(env, argv[2], fn, "out", &out) ||
      !get_size(env, argv[3], fn, "m", &m) || !get_size(env, argv[4], fn, "k", &k) ||
      !get_size(env, argv[5], fn, "n", &n)) {
    return nullptr;
  }
  std::size_t mk = 0, kn = 0, mn = 0;
  if (!mul_size(m, k, &mk) || !mul_size(k, n, &kn) || !mul_size(m, n, &mn) || a.len != mk || b.len != kn ||
      out.len != mn) {
    throw_error(env, "E_SHAPE", "matmul: m=%zu k=%zu n=%zu needs a of %zu x %zu, b of %zu x %zu, out of %zu x %zu; got lengths %zu, %zu, %zu",
                m, k, n, m, k, k, n, m, n, a.len, b.len, out.len);
    return nullptr;
  }
  if (overlaps(out, a) || overlaps(out, b)) {
    throw_error(env, "E_ARG", "matmul: out must not overlap a or b");
    return nullptr;
  }
  return guarded(env, fn, [&] { tfe::matmul(a.data, b.data, out.data, m, k, n); });
}

// packedSize(k, n): words of a packed constant operand for the current ISA.
napi_value PackedSize(napi_env env, napi_callback_info info) {
  const char* fn = "packedSize";
  napi_value argv[2];
  std::size_t k = 0, n = 0, kn = 0;
  if (!get_args(env, info, 2, argv, fn) || !get_size(env, argv[0], fn, "k", &k) || !get_size(env, argv[1], fn, "n", &n)) {
    return nullptr;
  }
  if (!mul_size(k, n, &kn) || kn > (std::size_t{1} << 40)) {
    throw_error(env, "E_SHAPE", "packedSize: k=%zu n=%zu is too large", k, n);
    return nullptr;
  }
  napi_value r;
  napi_create_double(env, static_cast<double>(tfe::packed_operand_size(k, n)), &r);
  return r;
}

// packB(b, k, n, dst): packs the constant B[k x n] into dst (packedSize(k, n) words).
napi_value PackB(napi_env env, napi_callback_info info) {
  const char* fn = "packB";
  napi_value argv[4];
  Array b, dst;
  std::size_t k = 0, n = 0, kn = 0;
  if (!get_args(env, info, 4, argv, fn) || !get_array(env, argv[0], fn, "b", &b) || !get_size(env, argv[1], fn, "k", &k) ||
      !get_size(env, argv[2], fn, "n", &n) || !get_array(env, argv[3], fn, "dst", &dst)) {
    return nullptr;
  }
  if (!mul_size(k, n, &kn) || b.len != kn || dst.len != tfe::packed_operand_size(k, n)) {
    throw_error(env, "E_SHAPE", "packB: k=%zu n=%zu needs b of %zu and dst of %zu words; got %zu and %zu", k, n, k * n,
                tfe::packed_operand_size(k, n), b.len, dst.len);
    return nullptr;
  }
  if (overlaps(dst, b)) {
    throw_error(env, "E_ARG", "packB: dst must not overlap b");
    return nullptr;
  }
  return guarded(env, fn, [&] { tfe::pack_operand(b.data, k, n, dst.data); });
}

// matmulPacked(a, b, packed, out, m, k, n): matmul reading B from `packed` when it was
// packed for this ISA and shape (else from b, which must hold the same values).
napi_value MatmulPacked(napi_env env, napi_callback_info info) {
  const char* fn = "matmulPacked";
  napi_value argv[7];
  Array a, b, packed, out;
  std::size_t m = 0, k = 0, n = 0;
  if (!get_args(env, info, 7, argv, fn) || !get_array(env, argv[0], fn, "a", &a) ||
      !get_array(env, argv[1], fn, "b", &b) || !get_array(env, argv[2], fn, "packed", &packed) ||
      !get_array(env, argv[3], fn, "out", &out) || !get_size(env, argv[4], fn, "m", &m) ||
      !get_size(env, argv[5], fn, "k", &k) || !get_size(env, argv[6], fn, "n", &n)) {
    return nullptr;
  }
  std::size_t mk = 0, kn = 0, mn = 0;
  if (!mul_size(m, k, &mk) || !mul_size(k, n, &kn) || !mul_size(m, n, &mn) || a.len != mk || b.len != kn ||
      out.len != mn) {
    throw_error(env, "E_SHAPE", "matmulPacked: m=%zu k=%zu n=%zu needs a of %zu x %zu, b of %zu x %zu, out of %zu x %zu; got lengths %zu, %zu, %zu",
                m, k, n, m, k, k, n, m, n, a.len, b.len, out.len);
    return nullptr;
  }
  if (overlaps(out, a) || overlaps(out, b) || overlaps(out, packed)) {
    throw_error(env, "E_ARG", "matmulPacked: out must not overlap a, b or packed");
    return nullptr;
  }
  return guarded(env, fn, [&] { tfe::matmul(a.data, b.data, out.data, m, k, n, packed.data, packed.len); });
}

napi_value RowSum(napi_env env, napi_callback_info info) {
  const char* fn = "rowSum";
  napi_value argv[4];
  Array a, out;
  std::size_t rows = 0, cols = 0;
  if (!get_args(env, info, 4, argv, fn) || !get_array(env, argv[0], fn, "a", &a) ||
      !get_size(env, argv[1], fn, "rows", &rows) || !get_size(env, argv[2], fn, "cols", &cols) ||
      !get_array(env, argv[3], fn, "out", &out)) {
    return nullptr;
  }
  std::size_t total = 0;
  if (!mul_size(rows, cols, &total) || a.len != total || out.len != rows) {
    throw_error(env, "E_SHAPE", "rowSum: %zu x %zu needs a of length %zu and out of length %zu; got %zu and %zu", rows,
                cols, rows * cols, rows, a.len, out.len);
    return nullptr;
  }
  if (overlaps(out, a)) {
    throw_error(env, "E_ARG", "rowSum: out must not overlap a");
    return nullptr;
  }
  return guarded(env, fn, [&] { tfe::row_sum(a.data, rows, cols, out.data); });
}

napi_value make_int(napi_env env, int v) {
  napi_value r = nullptr;
  ok(env, napi_create_int32(env, v, &r), "napi_create_int32");
  return r;
}

napi_value make_string(napi_env env, const char* s) {
  napi_value r = nullptr;
  ok(env, napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r), "napi_create_string_utf8");
  return r;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  std::size_t n = 0;
  if (!get_args(env, info, 1, argv, "setThreads") || !get_size(env, argv[0], "setThreads", "thread count", &n)) {
    return nullptr;
  }
  if (n < 1 || n > static_cast<std::size_t>(kMaxThreads)) {
    throw_error(env, "E_ARG", "setThreads: thread count %zu outside 1..%d", n, kMaxThreads);
    return nullptr;
  }
  return guarded(env, "setThreads", [&] { tfe::set_threads(static_cast<int>(n)); });
}

napi_value Threads(napi_env env, napi_callback_info) { return make_int(env, tfe::threads()); }

napi_value DefaultThreads(napi_env env, napi_callback_info) { return make_int(env, tfe::default_threads()); }

napi_value IsaName(napi_env env, napi_callback_info) { return make_string(env, tfe::isa_name(tfe::current_isa())); }

// The paths this CPU can run, best first (avx512-emulated, a test path, last).
napi_value Isas(napi_env env, napi_callback_info) {
  static const tfe::Isa order[] = {tfe::Isa::Avx512, tfe::Isa::Avx2, tfe::Isa::Portable, tfe::Isa::Avx512Emulated};
  napi_value arr;
  if (!ok(env, napi_create_array(env, &arr), "napi_create_array")) return nullptr;
  uint32_t i = 0;
  for (tfe::Isa isa : order) {
    if (!tfe::cpu_supports(isa)) continue;
    if (!ok(env, napi_set_element(env, arr, i++, make_string(env, tfe::isa_name(isa))), "napi_set_element")) {
      return nullptr;
    }
  }
  return arr;
}

napi_value SetIsa(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "setIsa")) return nullptr;
  char name[32];
  std::size_t len = 0;
  napi_valuetype t;
  if (!ok(env, napi_typeof(env, argv[0], &t), "napi_typeof")) return nullptr;
  if (t != napi_string) {
    throw_error(env, "E_ARG", "setIsa: expected a string (avx512, avx2, portable or avx512-emulated)");
    return nullptr;
  }
  if (!ok(env, napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len), "napi_get_value_string_utf8")) {
    return nullptr;
  }
  tfe::Isa isa;
  if (!tfe::isa_from_name(name, &isa)) {
    throw_error(env, "E_ARG", "unknown ring ISA '%s' (expected avx512, avx2, portable or avx512-emulated)", name);
    return nullptr;
  }
  if (!tfe::cpu_supports(isa)) {
    throw_error(env, "E_BACKEND", "this CPU does not support the '%s' ring kernels (best available: %s)", name,
                tfe::isa_name(tfe::best_isa()));
    return nullptr;
  }
  tfe::set_isa(isa);
  return nullptr;
}

// A Uint8Array argument: its bytes (any byteOffset, any underlying buffer).
struct Bytes {
  std::uint8_t* data;
  std::size_t len;
};

bool get_bytes(napi_env env, napi_value v, const char* fn, const char* what, Bytes* out) {
  void* data = nullptr;
  std::size_t len = 0;
  if (!get_typed(env, v, fn, what, napi_uint8_array, "Uint8Array", &data, &len)) return false;
  out->data = static_cast<std::uint8_t*>(data);
  out->len = len;
  return true;
}

bool bytes_overlap(const Bytes& x, const Bytes& y) {
  if (x.len == 0 || y.len == 0) return false;
  return x.data < y.data + y.len && y.data < x.data + x.len;
}

// aesCtr(key: Uint8Array(16), counter: Uint8Array(16), out: Uint8Array): fills out with the
// AES-128-CTR keystream from `counter` and advances `counter` by ceil(out.length / 16) blocks.
napi_value AesCtr(napi_env env, napi_callback_info info) {
  const char* fn = "aesCtr";
  napi_value argv[3];
  Bytes key, counter, out;
  if (!get_args(env, info, 3, argv, fn) || !get_bytes(env, argv[0], fn, "key", &key) ||
      !get_bytes(env, argv[1], fn, "counter", &counter) || !get_bytes(env, argv[2], fn, "out", &out)) {
    return nullptr;
  }
  if (key.len != 16 || counter.len != 16) {
    throw_error(env, "E_ARG", "aesCtr: key and counter must be 16 bytes each, got %zu and %zu", key.len, counter.len);
    return nullptr;
  }
  if (bytes_overlap(out, key) || bytes_overlap(out, counter)) {
    throw_error(env, "E_ARG", "aesCtr: out must not overlap key or counter");
    return nullptr;
  }
  if (!tfe::aes_ni_supported()) {
    throw_error(env, "E_BACKEND", "aesCtr: this CPU (or build) has no AES instructions");
    return nullptr;
  }
  return guarded(env, fn, [&] { tfe::aes128_ctr_ni(key.data, counter.data, out.data, out.len); });
}

// dcfEval(params: BigUint64Array [party, bits, outWords], fixedKey: Uint8Array(16),
// root, key, x, out: BigUint64Array): DCF evaluation (dcf.h), out = this party's shares.
napi_value DcfEval(napi_env env, napi_callback_info info) {
  const char* fn = "dcfEval";
  napi_value argv[6];
  Array params, root, key, x, out;
  Bytes fixed;
  if (!get_args(env, info, 6, argv, fn) || !get_array(env, argv[0], fn, "params", &params) ||
      !get_bytes(env, argv[1], fn, "fixedKey", &fixed) || !get_array(env, argv[2], fn, "root", &root) ||
      !get_array(env, argv[3], fn, "key", &key) || !get_array(env, argv[4], fn, "x", &x) ||
      !get_array(env, argv[5], fn, "out", &out)) {
    return nullptr;
  }
  if (params.len != 3 || fixed.len != 16 || params.data[0] > 1 || params.data[1] < 1 || params.data[1] > 64 ||
      params.data[2] < 1 || params.data[2] > 6) {
    throw_error(env, "E_ARG", "dcfEval: params must be [party 0|1, bits 1..64, outWords 1..6] and fixedKey 16 bytes");
    return nullptr;
  }
  const std::size_t n = x.len;
  const std::size_t bits = params.data[1];
  const std::size_t k = params.data[2];
  if (root.len != 2 * n || key.len != n * (2 * bits + k * (bits + 1)) || out.len != n * k) {
    throw_error(env, "E_ARG", "dcfEval: root of %zu words, key of %zu, out of %zu for %zu points", root.len, key.len, out.len, n);
    return nullptr;
  }
  if (!tfe::aes_ni_supported()) {
    throw_error(env, "E_BACKEND", "dcfEval: this CPU (or build) has no AES instructions");
    return nullptr;
  }
  return guarded(env, fn, [&] {
    tfe::dcf_eval_ni(static_cast<int>(params.data[0]), static_cast<int>(bits), static_cast<int>(k), n, fixed.data, root.data, key.data, x.data, out.data);
  });
}

// dcfGen(params: BigUint64Array [bits, outWords], fixedKey: Uint8Array(16), alpha, beta,
// root0, root1, key: BigUint64Array): DCF key generation (dcf.h) into `key`.
napi_value DcfGen(napi_env env, napi_callback_info info) {
  const char* fn = "dcfGen";
  napi_value argv[7];
  Array params, alpha, beta, root0, root1, key;
  Bytes fixed;
  if (!get_args(env, info, 7, argv, fn) || !get_array(env, argv[0], fn, "params", &params) ||
      !get_bytes(env, argv[1], fn, "fixedKey", &fixed) || !get_array(env, argv[2], fn, "alpha", &alpha) ||
      !get_array(env, argv[3], fn, "beta", &beta) || !get_array(env, argv[4], fn, "root0", &root0) ||
      !get_array(env, argv[5], fn, "root1", &root1) || !get_array(env, argv[6], fn, "key", &key)) {
    return nullptr;
  }
  if (params.len != 2 || fixed.len != 16 || params.data[0] < 1 || params.data[0] > 64 || params.data[1] < 1 || params.data[1] > 6) {
    throw_error(env, "E_ARG", "dcfGen: params must be [bits 1..64, outWords 1..6] and fixedKey 16 bytes");
    return nullptr;
  }
  const std::size_t n = alpha.len;
  const std::size_t bits = params.data[0];
  const std::size_t k = params.data[1];
  if (beta.len != n * k || root0.len != 2 * n || root1.len != 2 * n || key.len != n * (2 * bits + k * (bits + 1))) {
    throw_error(env, "E_ARG", "dcfGen: beta of %zu words, roots of %zu and %zu, key of %zu for %zu elements", beta.len, root0.len, root1.len, key.len, n);
    return nullptr;
  }
  if (!tfe::aes_ni_supported()) {
    throw_error(env, "E_BACKEND", "dcfGen: this CPU (or build) has no AES instructions");
    return nullptr;
  }
  return guarded(env, fn, [&] {
    tfe::dcf_gen_ni(static_cast<int>(bits), static_cast<int>(k), n, fixed.data, alpha.data, beta.data, root0.data, root1.data, key.data);
  });
}

napi_value AesNi(napi_env env, napi_callback_info) {
  napi_value r = nullptr;
  ok(env, napi_get_boolean(env, tfe::aes_ni_supported(), &r), "napi_get_boolean");
  return r;
}

// One token per module initialisation: Node refuses a cleanup hook registered
// twice with the same argument, and the module can be initialised again in the
// same environment (e.g. after its entry is deleted from require.cache).
struct EnvToken {};

void cleanup(void* token) {
  delete static_cast<EnvToken*>(token);
  tfe::env_detach();
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"add", nullptr, Binary<tfe::BinOp::Add>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sub", nullptr, Binary<tfe::BinOp::Sub>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"mul", nullptr, Binary<tfe::BinOp::Mul>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"and", nullptr, Binary<tfe::BinOp::And>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"xor", nullptr, Binary<tfe::BinOp::Xor>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"or", nullptr, Binary<tfe::BinOp::Or>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"neg", nullptr, Unary<tfe::UnOp::Neg>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"not", nullptr, Unary<tfe::UnOp::Not>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"shr", nullptr, Shift<tfe::ShiftOp::Shr>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sar", nullptr, Shift<tfe::ShiftOp::Sar>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"shl", nullptr, Shift<tfe::ShiftOp::Shl>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"rowSum", nullptr, RowSum, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"defaultThreads", nullptr, DefaultThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"isa", nullptr, IsaName, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"isas", nullptr, Isas, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setIsa", nullptr, SetIsa, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"aesCtr", nullptr, AesCtr, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"aesNi", nullptr, AesNi, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"mallocKeep", nullptr, tfe::MallocKeep, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"packedSize", nullptr, PackedSize, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"packB", nullptr, PackB, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"matmulPacked", nullptr, MatmulPacked, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"dcfEval", nullptr, DcfEval, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"dcfGen", nullptr, DcfGen, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  if (!ok(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props), "napi_define_properties")) {
    return nullptr;
  }
  if (!tfe::register_compare(env, exports)) return nullptr;
  EnvToken* token = new (std::nothrow) EnvToken();
  if (token == nullptr) {
    throw_error(env, "E_BACKEND", "tfe_ring: out of memory");
    return nullptr;
  }
  tfe::env_attach();
  if (!ok(env, napi_add_env_cleanup_hook(env, cleanup, token), "napi_add_env_cleanup_hook")) {
    delete token;
    tfe::env_detach();
    return nullptr;
  }
  return exports;
}
