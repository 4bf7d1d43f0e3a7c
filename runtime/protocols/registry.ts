/** A protocol's kernels by name. Looking up a kernel the protocol lacks is an E_UNSUPPORTED error naming both. */
import { TfeError } from '../../src/errors.js';
import type { Kernel } from './types.js';

export class KernelRegistry {
  private readonly byName = new Map<string, Kernel>();

  constructor(readonly protocol: string, kernels: readonly Kernel[]) {
    for (const k of kernels) {
      if (this.byName.has(k.name)) throw new TfeError('E_ARG', `${protocol}: kernel '${k.name}' registered twice`);
      this.byName.set(k.name, k);
    }
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
