export { DEFAULT_FRAC_BITS, checkFracBits, decode, encode, encodeScalar, maxMagnitude, toSigned } from './fixed.js';
