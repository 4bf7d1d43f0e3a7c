/**
 * The malloc policy applied when the native addon loads (runtime/ring/malloc-keep.ts):
 * the addon's mallocKeep gets the documented thresholds unless TFE_MALLOC_KEEP=0; a bad
 * value is an E_ARG error naming it; a fake addon records the call. With the addon on
 * glibc the real call succeeds and was made at load; out-of-range thresholds are refused.
 * (Its effect, fewer page faults per prediction, is measured by the inference benchmark,
 * not asserted: it depends on when the GC frees.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mallocKeepApplied, requireNativeAddon } from '../../runtime/ring/native-addon.js';
import { MMAP_THRESHOLD, TRIM_THRESHOLD, applyMallocKeep } from '../../runtime/ring/malloc-keep.js';
import { assertTfeError } from '../support/ring-check.js';

test('applyMallocKeep passes the thresholds, honours TFE_MALLOC_KEEP=0 and refuses other values', () => {
  const calls: [number, number][] = [];
  const fake = { mallocKeep: (a: number, b: number) => (calls.push([a, b]), true) };
  assert.equal(applyMallocKeep(fake, {}), true);
  assert.equal(applyMallocKeep(fake, { TFE_MALLOC_KEEP: '1' }), true);
  assert.equal(applyMallocKeep(fake, { TFE_MALLOC_KEEP: '0' }), false);
  assert.deepEqual(calls, [[MMAP_THRESHOLD, TRIM_THRESHOLD], [MMAP_THRESHOLD, TRIM_THRESHOLD]]);
  assert.equal(applyMallocKeep({}, {}), false, 'an addon without mallocKeep (stale build) changes nothing');
  assertTfeError(() => applyMallocKeep(fake, { TFE_MALLOC_KEEP: 'yes' }), 'E_ARG', /TFE_MALLOC_KEEP='yes' is not 0 or 1/);
});

const addon = requireNativeAddon();
const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime !== undefined;

test('with the addon on glibc: applied at load, and the addon refuses out-of-range thresholds', { skip: addon === undefined || !glibc ? 'native addon not built or no glibc' : false }, () => {
  if (process.env.TFE_MALLOC_KEEP !== '0') assert.equal(mallocKeepApplied(), true);
  const keep = (addon as { mallocKeep: (a: number, b: number) => boolean }).mallocKeep;
  assert.throws(() => keep(64 << 20, 0), /mmapThresholdBytes <= 32 MiB/);
  assert.throws(() => keep(-1, 0), /two byte counts/);
  assert.equal(keep(MMAP_THRESHOLD, TRIM_THRESHOLD), true);
});
