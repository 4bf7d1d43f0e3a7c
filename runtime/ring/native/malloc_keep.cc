// mallocKeep(mmapThresholdBytes, trimThresholdBytes) -> boolean: asks glibc's malloc
// to keep freed memory in the process instead of returning it to the OS.
//
// Why: V8 allocates each ArrayBuffer's backing store with calloc. glibc serves blocks
// of 128 KB and more with a fresh mmap and unmaps them on free, and trims the heap top
// above 128 KB, so a ring tensor of a few hundred KB, allocated per kernel call and
// freed by the GC, costs a page fault per 4 KB on first touch every time (measured
// about 10 us per page in a sandboxed kernel: more than the arithmetic). Raising the
// mmap threshold (to at most 32 MB, glibc's ceiling on 64-bit) and the trim threshold
// makes such blocks come from the heap and be reused after free: calloc then zeroes
// warm memory instead of faulting in new pages.
// Cost: up to trimThresholdBytes of free heap stay resident (the peak is unchanged).
// Other C libraries (musl, macOS, Windows) have no such knobs: returns false there.
#include <node_api.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tfe {

napi_value MallocKeep(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_value result;
  double mmap_bytes = 0;
  double trim_bytes = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 2 ||
      napi_get_value_double(env, argv[0], &mmap_bytes) != napi_ok ||
      napi_get_value_double(env, argv[1], &trim_bytes) != napi_ok || !(mmap_bytes >= 0) || !(trim_bytes >= 0) ||
      mmap_bytes > 32.0 * 1024 * 1024 || trim_bytes > 1024.0 * 1024 * 1024) {
    napi_throw_error(env, "E_ARG", "mallocKeep(mmapThresholdBytes <= 32 MiB, trimThresholdBytes <= 1 GiB) takes two byte counts");
    return nullptr;
  }
  bool done = false;
#if defined(__GLIBC__)
  done = mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_bytes)) == 1 &&
         mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim_bytes)) == 1;
#endif
  napi_get_boolean(env, done, &result);
  return result;
}

}  // namespace tfe
