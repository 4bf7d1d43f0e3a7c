/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven, and the
 * LevelDB/TensorFlow "masked" form stored in table block trailers and tensor
 * bundle entries: rotate right by 15 bits, then add 0xa282ead8 (mod 2^32).
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C of `data`, continuing from `crc` (0 for a fresh checksum). */
export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** The masked form of a CRC as LevelDB and TensorFlow store it. */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
