/** A protocol's kernels by name. Looking up a kernel the protocol lacks is an E_UNSUPPORTED error naming both. */
import { TfeError } from '../../src/errors.js';
import type { KernelSpec } from '../../src/protocols/spec.js';
import type { Kernel } from './types.js';

export class KernelRegistry {
  private readonly byName = new Map<string, Kernel>();

  /** Every spec must have exactly one implementation, and every implementation a spec. */
  constructor(readonly protocol: string, specs: ReadonlyMap<string, KernelSpec>, kernels: readonly Kernel[]) {
    for (const k of kernels) {
      if (this.byName.has(k.name)) throw new TfeError('E_ARG', `${protocol}: kernel '${k.name}' registered twice`);
      if (!specs.has(k.name)) throw new TfeError('E_ARG', `${protocol}: kernel '${k.name}' has no spec`);
      this.byName.set(k.name, k);
    }
    const missing = [...specs.keys()].filter((n) => !this.byName.has(n));
    if (missing.length) throw new TfeError('E_ARG', `${protocol}: no implementation for ${missing.join(', ')}`);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): Kernel {
    const k = this.byName.get(name);
    if (!k) throw new TfeError('E_UNSUPPORTED', `protocol ${this.protocol} has no kernel '${name}'`, `available: ${[...this.byName.keys()].join(', ')}`);
    return k;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  kernels(): Kernel[] {
    return [...this.byName.values()];
  }
}
