// The comparison's bit-plane kernels (compare.cc), registered on the addon's exports.
#ifndef TFE_RING_NATIVE_COMPARE_H_
#define TFE_RING_NATIVE_COMPARE_H_

#include <node_api.h>

namespace tfe {

// Adds planesTranspose, compareInit, compareLevel, compareFinal, compareInjectBit and
// compareInjectProduct to `exports`;
// false (with a pending JS exception) if Node-API refused.
bool register_compare(napi_env env, napi_value exports);

}  // namespace tfe

#endif  // TFE_RING_NATIVE_COMPARE_H_
