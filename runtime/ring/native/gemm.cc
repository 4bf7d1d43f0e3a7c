// The blocked matmul driver (one thread, one sub-matrix): packs panels of A and B
// into contiguous, zero-padded micro-panels and walks them with the selected
// ISA's register-blocked micro-kernel (GotoBLAS loop order: B panel, k block,
// A block, then NR-column and MR-row micro-tiles). Edge tiles are computed into a
// scratch tile and only their valid part is written, so any m, k, n work.
#include <cstdlib>
#include <cstring>
#include <new>

#include "ring.h"

namespace tfe {

namespace {

// Largest micro-tile of any kernel (AVX-512: 8 x 16).
constexpr std::size_t kMaxTile = kMaxMr * 16;

// A 64-byte aligned growable buffer (one per thread, reused across calls).
struct Buffer {
  u64* data = nullptr;
  std::size_t cap = 0;
  ~Buffer() { std::free(data); }
  u64* get(std::size_t n) {
    if (n > cap) {
      std::free(data);
      data = nullptr;
      cap = 0;
      data = alloc_aligned(n);
      cap = n;
    }
    return data;
  }
};

struct Scratch {
  Buffer a, b, btail;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// B[kc x nc] (leading dim ld) into ceil(nc/NR) micro-panels of kc x NR, zero-padded.
void pack_b(const u64* src, std::size_t ld, std::size_t kc, std::size_t nc, std::size_t nr, u64* dst) {
  for (std::size_t j0 = 0; j0 < nc; j0 += nr) {
    const std::size_t w = nc - j0 < nr ? nc - j0 : nr;
    for (std::size_t p = 0; p < kc; p++) {
      const u64* s = src + p * ld + j0;
      u64* d = dst + p * nr;
      std::memcpy(d, s, w * sizeof(u64));
      for (std::size_t j = w; j < nr; j++) d[j] = 0;
    }
    dst += kc * nr;
  }
}

// A[mc x kc] (leading dim ld) into micro-panels of kc x MR; a last panel of
// h < MR rows is packed as kc x h (for the h-row kernel).
void pack_a(const u64* src, std::size_t ld, std::size_t mc, std::size_t kc, std::size_t mr, u64* dst) {
  for (std::size_t i0 = 0; i0 < mc; i0 += mr) {
    const std::size_t h = mc - i0 < mr ? mc - i0 : mr;
    for (std::size_t r = 0; r < h; r++) {
      const u64* s = src + (i0 + r) * ld;
      for (std::size_t p = 0; p < kc; p++) dst[p * h + r] = s[p];
    }
    dst += kc * h;
  }
}

std::size_t round_up(std::size_t x, std::size_t to) { return (x + to - 1) / to * to; }

// Where pack_b_all puts the (jc, pc) block: every column block but the last is
// kern.nc wide, a multiple of NR (so unpadded), hence the jc * k term.
std::size_t packed_b_offset(const MicroKernel& kern, std::size_t k, std::size_t n, std::size_t jc, std::size_t pc) {
  const std::size_t nc = n - jc < kern.nc ? n - jc : kern.nc;
  return jc * k + pc * round_up(nc, static_cast<std::size_t>(kern.nr));
}

}  // namespace

u64* alloc_aligned(std::size_t n) {
  // Whole cache lines, as aligned_alloc requires a multiple of the alignment.
  const std::size_t bytes = (n * sizeof(u64) + 63) / 64 * 64;
  u64* p = static_cast<u64*>(std::aligned_alloc(64, bytes == 0 ? 64 : bytes));
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

std::size_t packed_b_size(const MicroKernel& kern, std::size_t k, std::size_t n) {
  if (n == 0) return 0;
  const std::size_t last = (n - 1) / kern.nc * kern.nc;
  return last * k + k * round_up(n - last, static_cast<std::size_t>(kern.nr));
}

void pack_b_all(const MicroKernel& kern, const u64* b, std::size_t ldb, std::size_t k, std::size_t n, u64* dst) {
  for (std::size_t jc = 0; jc < n; jc += kern.nc) {
    const std::size_t nc = n - jc < kern.nc ? n - jc : kern.nc;
    for (std::size_t pc = 0; pc < k; pc += kern.kc) {
      const std::size_t kc = k - pc < kern.kc ? k - pc : kern.kc;
      pack_b(b + pc * ldb + jc, ldb, kc, nc, static_cast<std::size_t>(kern.nr), dst + packed_b_offset(kern, k, n, jc, pc));
    }
  }
}

std::size_t pack_b_tasks(const MicroKernel& kern, std::size_t k, std::size_t n, std::size_t parts) {
  if (k == 0 || n == 0) return 0;
  return ((n + kern.nc - 1) / kern.nc) * ((k + kern.kc - 1) / kern.kc) * parts;
}

void pack_b_task(const MicroKernel& kern, const u64* b, std::size_t ldb, std::size_t k, std::size_t n, u64* dst,
                 std::size_t parts, std::size_t task) {
  const std::size_t kblocks = (k + kern.kc - 1) / kern.kc;
  const std::size_t block = task / parts;
  const std::size_t part = task % parts;
  const std::size_t jc = (block / kblocks) * kern.nc;
  const std::size_t pc = (block % kblocks) * kern.kc;
  const std::size_t nc = n - jc < kern.nc ? n - jc : kern.nc;
  const std::size_t kc = k - pc < kern.kc ? k - pc : kern.kc;
  const std::size_t NR = static_cast<std::size_t>(kern.nr);
  // this part's NR-aligned column range of the block: panels [p0, p1) of ceil(nc / NR)
  const std::size_t panels = (nc + NR - 1) / NR;
  const std::size_t p0 = panels * part / parts;
  const std::size_t p1 = panels * (part + 1) / parts;
  if (p0 == p1) return;
  const std::size_t c0 = p0 * NR;
  const std::size_t c1 = p1 * NR < nc ? p1 * NR : nc;
  pack_b(b + pc * ldb + jc + c0, ldb, kc, c1 - c0, NR, dst + packed_b_offset(kern, k, n, jc, pc) + p0 * kc * NR);
}

void gemm_block(const MicroKernel& kern, const u64* a, std::size_t lda, const u64* b, std::size_t ldb, u64* c,
                std::size_t ldc, std::size_t m, std::size_t k, std::size_t n, const u64* b_packed) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (std::size_t i = 0; i < m; i++) std::memset(c + i * ldc, 0, n * sizeof(u64));
    return;
  }
  const std::size_t MR = static_cast<std::size_t>(kern.mr);
  const std::size_t NR = static_cast<std::size_t>(kern.nr);
  Scratch& s = scratch();
  // With a single row block each B value is used once: stream B in place rather
  // than copy it (only a ragged last column panel is packed, to zero-pad it).
  const bool pack_whole_b = m > MR || b_packed != nullptr;
  alignas(64) u64 tile[kMaxTile];

  for (std::size_t jc = 0; jc < n; jc += kern.nc) {
    const std::size_t nc = n - jc < kern.nc ? n - jc : kern.nc;
    for (std::size_t pc = 0; pc < k; pc += kern.kc) {
      const std::size_t kc = k - pc < kern.kc ? k - pc : kern.kc;
      const bool acc = pc > 0;
      const u64* bsrc = b + pc * ldb + jc;
      const u64* bpack = nullptr;
      if (b_packed != nullptr) {
        bpack = b_packed + packed_b_offset(kern, k, n, jc, pc);
      } else if (pack_whole_b) {
        u64* dst = s.b.get(kc * round_up(nc, NR));
        pack_b(bsrc, ldb, kc, nc, NR, dst);
        bpack = dst;
      }
      for (std::size_t ic = 0; ic < m; ic += kern.mc) {
        const std::size_t mc = m - ic < kern.mc ? m - ic : kern.mc;
        u64* apack = s.a.get(kc * mc);
        pack_a(a + ic * lda + pc, lda, mc, kc, MR, apack);
        for (std::size_t jr = 0; jr < nc; jr += NR) {
          const std::size_t nr = nc - jr < NR ? nc - jr : NR;
          const u64* bp;
          std::size_t bstride;
          if (pack_whole_b) {
            bp = bpack + (jr / NR) * kc * NR;
            bstride = NR;
          } else if (nr == NR) {
            bp = bsrc + jr;
            bstride = ldb;
          } else {
            u64* t = s.btail.get(kc * NR);
            pack_b(bsrc + jr, ldb, kc, nr, NR, t);
            bp = t;
            bstride = NR;
          }
          for (std::size_t ir = 0; ir < mc; ir += MR) {
            const std::size_t mr = mc - ir < MR ? mc - ir : MR;
            const u64* ap = apack + ir * kc;
            u64* cp = c + (ic + ir) * ldc + jc + jr;
            const MicroFn run = kern.rows[mr];
            if (nr == NR) {
              run(kc, ap, bp, bstride, cp, ldc, acc);
            } else {
              run(kc, ap, bp, bstride, tile, NR, false);
              for (std::size_t i = 0; i < mr; i++)
                for (std::size_t j = 0; j < nr; j++) cp[i * ldc + j] = (acc ? cp[i * ldc + j] : 0) + tile[i * NR + j];
            }
          }
        }
      }
    }
  }
}

}  // namespace tfe
