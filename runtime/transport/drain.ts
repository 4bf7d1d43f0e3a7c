/**
 * Waiting for a link's send buffer to flush, with a deadline: a peer that stops reading
 * must not hold a party forever (every receive has a timeout; so does this wait).
 */
import type { TfeError } from '../../src/errors.js';
import type { Link } from './link.js';

/** Resolves when `link` has flushed what was sent on it; rejects with `timeout()` after `ms`. */
export function drainedWithin(link: Pick<Link, 'drained'>, ms: number, timeout: () => TfeError): Promise<void> {
  const d = link.drained?.();
  if (d === undefined) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(timeout()), ms);
    void d.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
