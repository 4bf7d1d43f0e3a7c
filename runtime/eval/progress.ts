/**
 * A progress bar for `tfe eval` on stderr, drawn by `cli-progress` only when stderr is a
 * terminal (nothing is printed to a pipe or a file, so logs stay clean).
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export function progressBar(total: number, stream: NodeJS.WriteStream = process.stderr): Progress | undefined {
  if (!stream.isTTY) return undefined;
  const bar = new SingleBar({ stream, format: 'eval [{bar}] {value}/{total} examples | {percentage}% | ETA {eta_formatted}', hideCursor: true, clearOnComplete: true });
  bar.start(total, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}
