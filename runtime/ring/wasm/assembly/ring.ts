/**
 * Ring kernels over Z_2^64 for the wasm engine (AssemblyScript, 128-bit SIMD).
 *
 * Raw exports over linear memory: every argument is a byte address (usize) or a
 * count. The JS loader (runtime/ring/wasm.ts) copies operands into memory above
 * `heapBase()`, calls a kernel and copies the result out; nothing here allocates.
 * Every operand is a row-major array of little-endian u64, and all arithmetic
 * wraps modulo 2^64. Elementwise kernels allow `out` to alias an input.
 *
 * Matmul avoids the generic i64x2.mul (which engines lower to three 32x32->64
 * multiplies, three shifts and two adds per pair of lanes) by splitting each
 * element into 32-bit halves: with a = ah*2^32 + al and b = bh*2^32 + bl,
 *   a*b mod 2^64 = al*bl + ((ah*bl + al*bh) mod 2^32) * 2^32,
 * so a dot product keeps two running sums, a 64-bit sum of al*bl (one widening
 * u32 multiply, i64x2.extmul_*_i32x4_u) and a 32-bit sum of the cross terms
 * (i32x4.mul, wrapping mod 2^32 is exactly what is needed), combined once at the
 * end of each block. B is packed per panel into that split layout.
 *
 * On x86-64 V8 lowers each extmul to two unpacks and a pmuludq, so one step of
 * the micro-kernel (one row, one k, 4 columns) is 12 vector uops for 4
 * multiply-adds, and the kernel runs at that port bound. Measured kernel-only on
 * a 2.45 GHz Zen 3 at 256^3 (CPU time, best of 25): this split kernel 3.4 G
 * multiply-adds/s; the same blocking with i64x2.mul 2.4; register-blocked scalar
 * i64.mul 2.1; the split kernel with 4 rows (accumulators spilled) 2.9.
 */

// ---------------------------------------------------------------------------
// Memory

/** First free byte above the static data: the loader's arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}

// ---------------------------------------------------------------------------
// Elementwise kernels: one v128 (two u64 lanes) per step, a scalar tail for an odd length.

export function add(a: usize, b: usize, out: usize, n: usize): void {
  const end = n << 3;
  const vend = end & ~(<usize>15);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(out + i, i64x2.add(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(out + i, load<u64>(a + i) + load<u64>(b + i));
}

export function sub(a: usize, b: usize, out: usize, n: usize): void {
  const end = n << 3;
  const vend = end & ~(<usize>15);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(out + i, i64x2.sub(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(out + i, load<u64>(a + i) - load<u64>(b + i));
}

export function mul(a: usize, b: usize, out: usize, n: usize): void {
  const end = n << 3;
  const vend = end & ~(<usize>15);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(out + i, i64x2.mul(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(out + i, load<u64>(a + i) * load<u64>(b + i));
}

export function and(a: usize, b: usize, out: usize, n: usize): void {
  const end = n << 3;
  const vend = end & ~(<usize>15);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(out + i, v128.and(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(out + i, load<u64>(a + i) & load<u64>(b + i));
}

export function xor(a: usize, b: usize, out: usize, n: usize): void {
  const end = n << 3;
  const vend = end & ~(<usize>15);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(out + i, v128.xor(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(out + i, load<u64>(a + i) ^ load<u64>(b + i));
}

export function or(a: usize, b: usize, out: usize, n: usize): void {
  const end = n << 3;
  const vend = end & ~(<usize>15);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(out + i, v128.or(v128.load(a + i), v128.load(b + i)));
  if (i < end) store<u64>(out + i, load<u64>(a + i) | load<u64>(b + i));
}

export function neg(a: usize, out: usize, n: usize): void {
  const end = n << 3;
  const vend = end & ~(<usize>15);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(out + i, i64x2.neg(v128.load(a + i)));
  if (i < end) store<u64>(out + i, 0 - load<u64>(a + i));
}

export function not(a: usize, out: usize, n: usize): void {
  const end = n << 3;
  const vend = end & ~(<usize>15);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(out + i, v128.not(v128.load(a + i)));
  if (i < end) store<u64>(out + i, ~load<u64>(a + i));
}

/** Logical right shift by k (0 <= k < 64). */
export function shr(a: usize, k: i32, out: usize, n: usize): void {
  const end = n << 3;
  const vend = end & ~(<usize>15);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(out + i, i64x2.shr_u(v128.load(a + i), k));
  if (i < end) store<u64>(out + i, load<u64>(a + i) >> (<u64>k));
}

/** Arithmetic (sign-filling) right shift by k (0 <= k < 64). */
export function sar(a: usize, k: i32, out: usize, n: usize): void {
  const end = n << 3;
  const vend = end & ~(<usize>15);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(out + i, i64x2.shr_s(v128.load(a + i), k));
  if (i < end) store<i64>(out + i, load<i64>(a + i) >> (<i64>k));
}

/** Left shift by k (0 <= k < 64). */
export function shl(a: usize, k: i32, out: usize, n: usize): void {
  const end = n << 3;
  const vend = end & ~(<usize>15);
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(out + i, i64x2.shl(v128.load(a + i), k));
  if (i < end) store<u64>(out + i, load<u64>(a + i) << (<u64>k));
}

// ---------------------------------------------------------------------------
// Row sums

/** out[r] = sum of row r of a[rows x cols]. */
export function rowSum(a: usize, rows: i32, cols: i32, out: usize): void {
  const rowBytes = (<usize>cols) << 3;
  const vend = rowBytes & ~(<usize>31);
  for (let r = 0; r < rows; r++) {
    const p = a + (<usize>r) * rowBytes;
    // two accumulators so consecutive adds do not wait on each other
    let s0 = i64x2.splat(0);
    let s1 = i64x2.splat(0);
    let j: usize = 0;
    for (; j < vend; j += 32) {
      s0 = i64x2.add(s0, v128.load(p + j));
      s1 = i64x2.add(s1, v128.load(p + j, 16));
    }
    s0 = i64x2.add(s0, s1);
    let s = i64x2.extract_lane(s0, 0) + i64x2.extract_lane(s0, 1);
    for (; j < rowBytes; j += 8) s += load<i64>(p + j);
    store<i64>(out + ((<usize>r) << 3), s);
  }
}

// ---------------------------------------------------------------------------
// Matrix product

/**
 * Columns of C per micro-kernel: one v128 holds the low 32-bit halves of 4 B
 * elements (and one the high halves), so 4 columns are one i32x4 of cross terms
 * and two i64x2 of low products.
 */
const NR = 4;
/**
 * Rows of C per micro-kernel. 2 rows x 3 accumulators = 6 v128 registers; with
 * the B vectors, the A broadcasts and the temporaries of the extmul lowering the
 * loop fits in V8's 15 allocatable xmm registers. 3 and 4 rows spill accumulators
 * to the stack on every iteration and measured no faster (this engine is bound by
 * the vector multiply and shuffle ports, not by loads of B).
 */
const MR = 2;
/**
 * Depth of a packed panel: a 2-row A strip (2 * 256 * 8 = 4 KiB) and one packed
 * B group (256 * 32 = 8 KiB) stay in a 32 KiB L1 together, and C is read back
 * and updated once per 256 steps of k.
 */
const KC = 256;
/** Columns of a packed panel: KC * NC * 8 = 256 KiB, half of a 512 KiB L2. */
const NC = 128;
/** Bytes of one packed (k, 4-column) entry: 4 low halves then 4 high halves. */
const GROUP_STEP: usize = 32;

/** Scratch bytes `matmul` needs for its packed B panel. */
export function matmulScratchBytes(k: i32, n: i32): usize {
  const kc = min(k, KC);
  const nc = (min(n, NC) + NR - 1) & ~(NR - 1);
  return (<usize>kc) * (<usize>nc) * 8;
}

/**
 * Packs B[kc x nc] (row stride ldb bytes) into groups of 4 columns: group g holds,
 * for each row p, the 4 low halves then the 4 high halves of B[p, 4g..4g+3]
 * (columns past nc are zero).
 */
function packB(b: usize, ldb: usize, kc: i32, nc: i32, dst: usize): void {
  const full = nc & ~(NR - 1);
  let d = dst;
  for (let j = 0; j < full; j += NR) {
    let src = b + ((<usize>j) << 3);
    for (let p = 0; p < kc; p++) {
      const v0 = v128.load(src);
      const v1 = v128.load(src, 16);
      v128.store(d, i32x4.shuffle(v0, v1, 0, 2, 4, 6));
      v128.store(d, i32x4.shuffle(v0, v1, 1, 3, 5, 7), 16);
      src += ldb;
      d += GROUP_STEP;
    }
  }
  if (full < nc) {
    const rest = nc - full;
    let src = b + ((<usize>full) << 3);
    for (let p = 0; p < kc; p++) {
      v128.store(d, i64x2.splat(0));
      v128.store(d, i64x2.splat(0), 16);
      for (let t = 0; t < rest; t++) {
        store<u32>(d + ((<usize>t) << 2), load<u32>(src + ((<usize>t) << 3)));
        store<u32>(d + ((<usize>t) << 2), load<u32>(src + ((<usize>t) << 3), 4), 16);
      }
      src += ldb;
      d += GROUP_STEP;
    }
  }
}

/**
 * Combines a row's accumulators into C[row, j..j+cols): cross terms shifted into
 * the high halves, added to the low products (and to C when accumulating).
 */
// @ts-ignore: decorator
@inline
function storeRow(c: usize, lo0: v128, lo1: v128, x: v128, cols: i32, accumulate: bool): void {
  const zero = i64x2.splat(0);
  // i32 lanes [0, x0, 0, x1] read as i64 lanes are x0 << 32 and x1 << 32
  let r0 = i64x2.add(lo0, i32x4.shuffle(zero, x, 0, 4, 0, 5));
  let r1 = i64x2.add(lo1, i32x4.shuffle(zero, x, 0, 6, 0, 7));
  if (cols == NR) {
    if (accumulate) {
      r0 = i64x2.add(r0, v128.load(c));
      r1 = i64x2.add(r1, v128.load(c, 16));
    }
    v128.store(c, r0);
    v128.store(c, r1, 16);
    return;
  }
  const v0 = i64x2.extract_lane(r0, 0);
  const v1 = i64x2.extract_lane(r0, 1);
  const v2 = i64x2.extract_lane(r1, 0);
  const base0 = accumulate ? load<i64>(c) : 0;
  store<i64>(c, base0 + v0);
  if (cols > 1) store<i64>(c, (accumulate ? load<i64>(c, 8) : 0) + v1, 8);
  if (cols > 2) store<i64>(c, (accumulate ? load<i64>(c, 16) : 0) + v2, 16);
}

/** C[2 x cols] (+)= A[2 x kc] (row stride lda bytes) . packed B group. */
function kernel2(a: usize, lda: usize, bp: usize, kc: i32, c: usize, ldc: usize, cols: i32, accumulate: bool): void {
  let l00 = i64x2.splat(0), l01 = i64x2.splat(0), x0 = i64x2.splat(0);
  let l10 = i64x2.splat(0), l11 = i64x2.splat(0), x1 = i64x2.splat(0);
  const a1 = a + lda;
  const end = (<usize>kc) << 3;
  let b = bp;
  for (let o: usize = 0; o < end; o += 8) {
    const bl = v128.load(b);
    const bh = v128.load(b, 16);
    let al = v128.load32_splat(a + o);
    let ah = v128.load32_splat(a + o, 4);
    l00 = i64x2.add(l00, i64x2.extmul_low_i32x4_u(bl, al));
    l01 = i64x2.add(l01, i64x2.extmul_high_i32x4_u(bl, al));
    x0 = i32x4.add(x0, i32x4.add(i32x4.mul(bl, ah), i32x4.mul(bh, al)));
    al = v128.load32_splat(a1 + o);
    ah = v128.load32_splat(a1 + o, 4);
    l10 = i64x2.add(l10, i64x2.extmul_low_i32x4_u(bl, al));
    l11 = i64x2.add(l11, i64x2.extmul_high_i32x4_u(bl, al));
    x1 = i32x4.add(x1, i32x4.add(i32x4.mul(bl, ah), i32x4.mul(bh, al)));
    b += GROUP_STEP;
  }
  storeRow(c, l00, l01, x0, cols, accumulate);
  storeRow(c + ldc, l10, l11, x1, cols, accumulate);
}

/** C[1 x cols] (+)= A[1 x kc] . packed B group (the row left over after blocks of 2). */
function kernel1(a: usize, bp: usize, kc: i32, c: usize, cols: i32, accumulate: bool): void {
  let l0 = i64x2.splat(0), l1 = i64x2.splat(0), x = i64x2.splat(0);
  const end = (<usize>kc) << 3;
  let b = bp;
  for (let o: usize = 0; o < end; o += 8) {
    const bl = v128.load(b);
    const bh = v128.load(b, 16);
    const al = v128.load32_splat(a + o);
    const ah = v128.load32_splat(a + o, 4);
    l0 = i64x2.add(l0, i64x2.extmul_low_i32x4_u(bl, al));
    l1 = i64x2.add(l1, i64x2.extmul_high_i32x4_u(bl, al));
    x = i32x4.add(x, i32x4.add(i32x4.mul(bl, ah), i32x4.mul(bh, al)));
    b += GROUP_STEP;
  }
  storeRow(c, l0, l1, x, cols, accumulate);
}

/**
 * c[m] = a[m x k] . b[k] (n = 1): a dot product per row with i64x2.mul, since the
 * 4-column micro-kernel would leave 3 of its 4 columns as zero padding.
 */
function matvec(a: usize, b: usize, c: usize, m: i32, k: i32): void {
  const rowBytes = (<usize>k) << 3;
  const vend = rowBytes & ~(<usize>31);
  for (let i = 0; i < m; i++) {
    const p = a + (<usize>i) * rowBytes;
    // two accumulators so consecutive adds do not wait on each other
    let s0 = i64x2.splat(0);
    let s1 = i64x2.splat(0);
    let j: usize = 0;
    for (; j < vend; j += 32) {
      s0 = i64x2.add(s0, i64x2.mul(v128.load(p + j), v128.load(b + j)));
      s1 = i64x2.add(s1, i64x2.mul(v128.load(p + j, 16), v128.load(b + j, 16)));
    }
    s0 = i64x2.add(s0, s1);
    let s = i64x2.extract_lane(s0, 0) + i64x2.extract_lane(s0, 1);
    for (; j < rowBytes; j += 8) s += load<i64>(p + j) * load<i64>(b + j);
    store<i64>(c + ((<usize>i) << 3), s);
  }
}

/**
 * c[m x n] = a[m x k] . b[k x n] mod 2^64, row-major; `scratch` holds
 * matmulScratchBytes(k, n) bytes for the packed B panel. c must not alias a or b.
 */
export function matmul(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, scratch: usize): void {
  const ldc = (<usize>n) << 3;
  const lda = (<usize>k) << 3;
  if (k == 0) {
    memory.fill(c, 0, (<usize>m) * ldc);
    return;
  }
  if (n == 1) {
    matvec(a, b, c, m, k);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const accumulate = pc > 0;
      packB(b + ((<usize>pc) * ldc) + ((<usize>jc) << 3), ldc, kc, nc, scratch);
      const groupBytes = (<usize>kc) * GROUP_STEP;
      let i = 0;
      for (; i + MR <= m; i += MR) {
        const arow = a + (<usize>i) * lda + ((<usize>pc) << 3);
        const crow = c + (<usize>i) * ldc + ((<usize>jc) << 3);
        let bp = scratch;
        for (let j = 0; j < nc; j += NR) {
          kernel2(arow, lda, bp, kc, crow + ((<usize>j) << 3), ldc, min(NR, nc - j), accumulate);
          bp += groupBytes;
        }
      }
      for (; i < m; i++) {
        const arow = a + (<usize>i) * lda + ((<usize>pc) << 3);
        const crow = c + (<usize>i) * ldc + ((<usize>jc) << 3);
        let bp = scratch;
        for (let j = 0; j < nc; j += NR) {
          kernel1(arow, bp, kc, crow + ((<usize>j) << 3), min(NR, nc - j), accumulate);
          bp += groupBytes;
        }
      }
    }
  }
}
