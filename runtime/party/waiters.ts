/**
 * Waiting for a control message: a party registers what it waits for (a predicate on
 * the sender and the message) and gets a promise that resolves with the first match,
 * or rejects after a timeout with an error saying what did not arrive. Messages
 * nobody waits for go to a fallback handler.
 */
import { TfeError } from '../../src/errors.js';
import type { Control } from '../transport/control.js';
import type { Role } from '../transport/types.js';

interface Want {
  tag: string | undefined;
  match(peer: Role, msg: Control): boolean;
  resolve(msg: Control): void;
  reject(err: TfeError): void;
  timer: NodeJS.Timeout;
}

export class ControlWaiters {
  private readonly wants: Want[] = [];

  /** Delivers `msg`: true if a waiter took it. */
  deliver(peer: Role, msg: Control): boolean {
    const i = this.wants.findIndex((w) => w.match(peer, msg));
    if (i < 0) return false;
    const [w] = this.wants.splice(i, 1);
    clearTimeout(w.timer);
    w.resolve(msg);
    return true;
  }

  wait<T extends Control>(match: (peer: Role, msg: Control) => msg is T, ms: number, what: string, tag?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const w: Want = {
        tag,
        match,
        resolve: (m) => resolve(m as T),
        reject,
        timer: setTimeout(() => {
          const i = this.wants.indexOf(w);
          if (i >= 0) this.wants.splice(i, 1);
          reject(new TfeError('E_TRANSPORT', `${what} did not arrive within ${ms / 1000} s`));
        }, ms),
      };
      this.wants.push(w);
    });
  }

  /** Rejects the waiters tagged `tag` (their session failed). */
  cancel(tag: string, err: TfeError): void {
    for (let i = this.wants.length - 1; i >= 0; i--) {
      const w = this.wants[i];
      if (w.tag !== tag) continue;
      this.wants.splice(i, 1);
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  /** Rejects every waiter (a link they depend on is gone). */
  failAll(err: TfeError): void {
    for (const w of this.wants.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }
}
