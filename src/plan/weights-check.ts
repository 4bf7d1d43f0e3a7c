/**
 * The layout a weights manifest must have (compiler/plan/emit.ts writes it so): entries
 * in order, contiguous from word 0 (each entry's offset is the previous entry's offset
 * plus its length), each entry's length the product of its shape, names unique, and,
 * when weights.bin is known, the entries covering it exactly. A manifest that breaks
 * any of these (tampered or corrupt) would make the owner share the wrong words as a
 * weight, or words of another weight, so it is an E_PLAN error naming the entry.
 */
import { TfeError } from '../errors.js';
import type { WeightEntry } from './weights.js';

const product = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

/** Checks the entries' layout; `words` is the length of weights.bin in 64-bit words, when known. */
export function checkWeightsLayout(entries: readonly WeightEntry[], where: string, words?: number): void {
  const hint = 'recompile the model: weights.json and weights.bin must be the files tfe compile wrote';
  const seen = new Set<string>();
  let end = 0;
  entries.forEach((e, i) => {
    const what = `${where}: entry ${i} '${e.name}'`;
    if (seen.has(e.name)) throw new TfeError('E_PLAN', `${what} repeats a name`, hint);
    seen.add(e.name);
    if (e.length !== product(e.shape)) {
      throw new TfeError('E_PLAN', `${what} has length ${e.length} but its shape [${e.shape.join(',')}] holds ${product(e.shape)} values`, hint);
    }
    if (e.offset !== end) {
      const prev = i > 0 ? `entry ${i - 1} '${entries[i - 1].name}'` : 'the start of weights.bin';
      const why = i > 0 && e.offset < entries[i - 1].offset ? `is out of order (before ${prev})`
        : e.offset < end ? `overlaps ${prev} (starts at word ${e.offset}, ${prev} ends at ${end})`
          : `leaves a gap of ${e.offset - end} words after ${prev} (starts at word ${e.offset}, expected ${end})`;
      throw new TfeError('E_PLAN', `${what} ${why}`, hint);
    }
    end = e.offset + e.length;
    if (words !== undefined && end > words) {
      throw new TfeError('E_PLAN', `${what} ends at word ${end}, past the end of weights.bin (${words} words): the file is truncated or the entry is wrong`, hint);
    }
  });
  if (words !== undefined && end !== words) {
    throw new TfeError('E_PLAN', `${where}: the entries cover ${end} words but weights.bin has ${words}: ${words - end} words belong to no entry`, hint);
  }
}
