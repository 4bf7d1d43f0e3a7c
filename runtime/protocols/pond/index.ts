/**
 * The Pond protocol (2 servers + a dealer; semi-honest, no collusion between the
 * servers): Dahl et al., "Private Machine Learning in TensorFlow using Secure
 * Computation", 2018. Its kernels, registered by name.
 */
import { POND_SPECS } from '../../../src/protocols/pond.js';
import { KernelRegistry } from '../registry.js';
import { dreluS, reluS, selectS } from './activations.js';
import { argmaxS } from './argmax.js';
import { maskS } from './beaver.js';
import { publish, reveal, share } from './io.js';
import { concatS, padS, reshapeS, sliceS, sumS, transposeS } from './layout.js';
import { addSP, addSS, negS, subPS, subSP, subSS } from './local.js';
import { conv2dSP, conv2dSS, depthwiseConv2dSP, depthwiseConv2dSS, matmulPS, matmulSP, matmulSS, mulSP, mulSS } from './mul.js';
import { polyS } from './poly.js';
import { avgpoolS, maxpoolS } from './pool.js';
import { truncS } from './trunc.js';

export const pond = new KernelRegistry('pond', POND_SPECS, [
  share, publish, reveal,
  addSS, addSP, subSS, subSP, subPS, negS,
  maskS, mulSS, mulSP, matmulSS, matmulSP, matmulPS, conv2dSS, conv2dSP, depthwiseConv2dSS, depthwiseConv2dSP,
  truncS, polyS,
  dreluS, reluS, selectS, maxpoolS, avgpoolS, argmaxS,
  reshapeS, transposeS, padS, sliceS, concatS, sumS,
]);
