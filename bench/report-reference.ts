/**
 * Reference figures the report shows next to our measurements: MP-SPDZ's times for the
 * same networks with two servers and a dealer, as quoted in the README's measured table
 * ("Deploying across machines", column "MP-SPDZ, 2 servers + dealer"). They are quoted,
 * not measured by this project or on this machine; the report labels them so, and a
 * test checks that they still match the README.
 */

export interface ReferenceFigure {
  readonly net: string;
  readonly batch: number;
  readonly ms: number;
  /** The figure exactly as the README writes it. */
  readonly quoted: string;
}

export const REFERENCE_SYSTEM = 'MP-SPDZ, 2 servers + dealer';
export const REFERENCE_SOURCE = 'quoted from the README ("Deploying across machines", measured table); not measured by tfe';

export const REFERENCE_FIGURES: readonly ReferenceFigure[] = [
  { net: 'A', batch: 1, ms: 19, quoted: '19 ms' },
  { net: 'C', batch: 1, ms: 237, quoted: '237 ms' },
  { net: 'C', batch: 128, ms: 18_400, quoted: '18.4 s' },
];

/** The quoted figure for (net, batch), if the README has one. */
export function referenceFor(net: string, batch: number): ReferenceFigure | undefined {
  return REFERENCE_FIGURES.find((f) => f.net === net && f.batch === batch);
}
