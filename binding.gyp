# node-gyp build of the native ring addon (runtime/ring/native/) into
# build/Release/tfe_ring.node. One build serves every CPU of its architecture:
# the AVX2, AVX-512 and AES-NI code carries its own target("...") attributes and
# is chosen at run time, so no -march / -maes flag is passed here.
{
  "targets": [
    {
      "target_name": "tfe_ring",
      "sources": [
        "runtime/ring/native/addon.cc",
        "runtime/ring/native/kernels.cc",
        "runtime/ring/native/pool.cc",
        "runtime/ring/native/gemm.cc",
        "runtime/ring/native/isa.cc",
        "runtime/ring/native/portable.cc",
        "runtime/ring/native/avx2.cc",
        "runtime/ring/native/avx512.cc",
        "runtime/ring/native/aes_ni.cc",
        "runtime/ring/native/malloc_keep.cc",
        "runtime/ring/native/compare.cc",
        "runtime/ring/native/dcf.cc"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-O2"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-O2"],
      "cflags": ["-O3", "-Wall", "-Wextra"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-Wall", "-Wextra"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "11.0",
        "OTHER_CFLAGS": ["-O3", "-Wall", "-Wextra"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] }
      }
    }
  ]
}
