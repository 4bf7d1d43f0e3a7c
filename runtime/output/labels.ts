/**
 * Class names for a classifier's output: a text file with one name per line, the line
 * number (from 0) being the class index, as Keras' and TF's `labels.txt` files are
 * written. Given with `--labels FILE`, or picked up from `labels.txt` beside plan.json.
 * Trailing blank lines are ignored; '\r\n' line ends are accepted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TfeError } from '../../src/errors.js';

export interface ClassNames {
  readonly names: readonly string[];
  /** The file they came from, for messages. */
  readonly file: string;
}

export function readClassNames(file: string): ClassNames {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TfeError('E_IO', `cannot read the class names ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'give a text file with one class name per line');
  }
  const names = text.split(/\r?\n/);
  while (names.length && names[names.length - 1].trim() === '') names.pop();
  if (!names.length) throw new TfeError('E_FORMAT', `${file} holds no class names`, 'give a text file with one class name per line');
  return { names: names.map((n) => n.trim()), file };
}

/** `--labels FILE` if given, else `DIR/labels.txt` if it exists, else none. */
export function classNamesFor(planDir: string, option: string | undefined): ClassNames | undefined {
  if (option !== undefined) return readClassNames(option);
  const beside = join(planDir, 'labels.txt');
  return existsSync(beside) ? readClassNames(beside) : undefined;
}
