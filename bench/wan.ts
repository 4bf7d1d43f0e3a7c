/**
 * The time a prediction would take between machines on a wide-area network, estimated
 * from what was measured on loopback: the online time, plus one round trip per round,
 * plus the largest payload any server sends at the link's bandwidth. The model is a
 * 50 ms round trip and 1 Gbit/s (the reference network); it ignores TCP slow
 * start and assumes computation does not overlap with waiting, so it is a rough upper
 * estimate, useful to compare plans (rounds against bytes), not a measurement.
 */
export const WAN_RTT_MS = 50;
export const WAN_BITS_PER_S = 1e9;

export function wanMsEstimate(onlineMs: number, rounds: number, bytesPerServer: number): number {
  return onlineMs + rounds * WAN_RTT_MS + ((bytesPerServer * 8) / WAN_BITS_PER_S) * 1000;
}
