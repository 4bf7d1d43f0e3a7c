/**
 * The process's peak resident set size, for the per-session statistics a compute role
 * reports. `process.resourceUsage()` is a system call (getrusage), which costs tens of
 * microseconds in a sandboxed kernel (gVisor): once per session it was a visible part
 * of a batch-1 prediction. So the value is sampled at most every SAMPLE_MS and may lag
 * the true peak by that much (the peak only grows, so it is never over-reported).
 */
const SAMPLE_MS = 100;

let last = -Infinity;
let value = 0;

/** Peak RSS in MiB, at most SAMPLE_MS old. */
export function peakRssMb(): number {
  const now = performance.now();
  if (now - last >= SAMPLE_MS) {
    value = process.resourceUsage().maxRSS / 1024;
    last = now;
  }
  return value;
}
