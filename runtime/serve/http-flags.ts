/**
 * The leader's HTTP service flags, shared by `tfe serve PLAN_DIR` (which forwards them to
 * its server0 child) and `tfe party server0 --http HOST:PORT`. The batching flags follow
 * TensorFlow Serving's (batch-options.ts): max batch size, batch timeout, allowed batch
 * sizes, batches in flight, queue bound.
 */
import { Command, Option } from 'commander';
import { TfeError } from '../../src/errors.js';
import type { BatcherOptions } from './batch-options.js';

/** What the flags say, as commander parses them (strings stay strings until `serviceFlags`). */
export interface HttpFlagValues {
  readonly name?: string;
  readonly demo?: boolean;
  readonly allowPlaintextInput?: boolean;
  readonly apiKeys?: string;
  readonly auth?: boolean;
  readonly maxBatch?: string;
  readonly batchTimeoutMs?: string;
  readonly batchSizes?: string;
  readonly maxSessions?: string;
  readonly maxQueue?: string;
  readonly maxRows?: string;
  readonly requestTimeoutMs?: string;
  readonly drainMs?: string;
  readonly perMinute?: string;
}

/** The flags checked and typed. */
export interface ServiceFlags {
  readonly name?: string;
  readonly demo: boolean;
  readonly allowPlaintext: boolean;
  readonly apiKeysFile?: string;
  /** False with --no-auth: a non-loopback leader without --api-keys starts anyway. */
  readonly auth: boolean;
  readonly batcher: BatcherOptions;
  readonly drainMs: number;
  /**
   * Rows per minute: the budget of a key without its own (default DEFAULT_KEY_BUDGET), and of all
   * callers together when there is no key file (undefined: unlimited, the loopback default).
   */
  readonly perMinute?: number;
}

/** Rows per minute of a key that has no budget of its own and no --per-minute is given. */
export const DEFAULT_KEY_BUDGET = 6000;

/** Adds the service flags to a command. */
export function addHttpFlags(cmd: Command): Command {
  return cmd
    .option('--name <NAME>', 'the model name in the URL /v2/models/NAME (default: the plan directory\'s name)')
    .addOption(new Option('--demo', 'also serve the browser demo page at / (draw a digit, predict privately in the browser)').default(false))
    .addOption(new Option('--allow-plaintext-input', 'accept plaintext FP32 inputs (the leader then sees them; off by default)').default(false))
    .option('--api-keys <FILE>', 'callers must send one of these keys (Authorization: Bearer; file written by `tfe serve-keys add`)')
    .option('--no-auth', 'start a non-loopback service without --api-keys (anyone who reaches it may ask)')
    .option('--per-minute <ROWS>', 'rate limit in input rows per minute: for each key without its own budget (default 6000), and for all callers together when there is no key file (default: unlimited)')
    .option('--max-batch <ROWS>', 'most rows in one secure session (dynamic batching; default 32)')
    .option('--batch-timeout-ms <MS>', 'longest wait for more requests while a session runs (default 2)')
    .option('--batch-sizes <LIST>', 'allowed session sizes, e.g. 1,2,4,8,16,32 (default: powers of two up to --max-batch)')
    .option('--max-sessions <N>', 'secure sessions in flight at once (default 2)')
    .option('--max-queue <ROWS>', 'most rows waiting; beyond it requests get 503 + Retry-After (default 256)')
    .option('--max-rows <ROWS>', 'most rows in one request (default: --max-batch)')
    .option('--request-timeout-ms <MS>', 'a request not answered by then gets 503/504 (default 10000)')
    .option('--drain-ms <MS>', 'on SIGTERM, how long to finish requests in flight before exiting (default 30000)');
}

function int(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new TfeError('E_ARG', `${flag} must be a whole number >= ${min}, got '${v}'`);
  return n;
}

/** Checks and types the flags (E_ARG naming the flag). */
export function serviceFlags(v: HttpFlagValues): ServiceFlags {
  const maxBatch = int('--max-batch', v.maxBatch, 1) ?? 32;
  // absent: the service's default (powers of two up to --max-batch)
  const padTo = v.batchSizes === undefined ? undefined : v.batchSizes.split(',').map((s) => {
    const n = int('--batch-sizes', s.trim(), 1);
    if (n === undefined) throw new TfeError('E_ARG', '--batch-sizes is empty');
    return n;
  });
  return {
    name: v.name,
    demo: v.demo === true,
    allowPlaintext: v.allowPlaintextInput === true,
    apiKeysFile: v.apiKeys,
    auth: v.auth !== false,
    perMinute: int('--per-minute', v.perMinute, 1),
    drainMs: int('--drain-ms', v.drainMs, 0) ?? 30_000,
    batcher: {
      maxBatch,
      ...(padTo ? { padTo } : {}),
      batchTimeoutMs: int('--batch-timeout-ms', v.batchTimeoutMs, 0),
      maxInFlight: int('--max-sessions', v.maxSessions, 1),
      maxQueueRows: int('--max-queue', v.maxQueue, 1),
      maxRows: int('--max-rows', v.maxRows, 1),
      requestTimeoutMs: int('--request-timeout-ms', v.requestTimeoutMs, 1),
    },
  };
}

/** The flags again as arguments, for `tfe serve` to pass to its server0 child. */
export function httpFlagArgs(v: HttpFlagValues): string[] {
  const a: string[] = [];
  const pairs: [string, string | undefined][] = [
    ['--name', v.name], ['--api-keys', v.apiKeys], ['--per-minute', v.perMinute], ['--max-batch', v.maxBatch],
    ['--batch-timeout-ms', v.batchTimeoutMs], ['--batch-sizes', v.batchSizes], ['--max-sessions', v.maxSessions],
    ['--max-queue', v.maxQueue], ['--max-rows', v.maxRows], ['--request-timeout-ms', v.requestTimeoutMs], ['--drain-ms', v.drainMs],
  ];
  for (const [flag, value] of pairs) if (value !== undefined) a.push(flag, value);
  if (v.demo === true) a.push('--demo');
  if (v.allowPlaintextInput === true) a.push('--allow-plaintext-input');
  if (v.auth === false) a.push('--no-auth');
  return a;
}

/** HOST:PORT of --http (IPv6 in brackets: [::1]:8080). */
export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new TfeError('E_ARG', `--http '${text}' is not HOST:PORT`, 'for example --http 0.0.0.0:8080 or --http 127.0.0.1:8080 ([::1]:8080 for IPv6; port 0 picks a free one)');
  return { host: m[1] ?? m[2], port };
}

/** True for a loopback host: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The default model name: the plan directory's base name, made URL-safe. */
export function planName(planDir: string): string {
  const base = planDir.split(/[\\/]/).filter(Boolean).pop() ?? 'model';
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe.length > 0 && safe !== '.' && safe !== '..' ? safe : 'model';
}
