/**
 * `tfe predict URL --input FILE [--json] [--ca ca.pem] [--api-key-file F]`: one private
 * prediction through a prediction service (issue 14) with the Node client (client/index.ts).
 * The input file is read as `tfe run` reads it (io/inputs.ts, against the bindings in the
 * model's metadata); the outputs print as `tfe run` prints them (output/describe.ts), then
 * a served cost line; `--json` has `tfe run --json`'s keys (outputs, rounds, bytes,
 * dealer_bytes, declared, ms, online_ms, offline_ms; `declared` and `offline_ms` are null:
 * the service does not report them) plus `served` (rows, batch, queue and session time).
 * The API key comes from --api-key-file, else from the environment variable TFE_API_KEY.
 * Class names come from --labels FILE, else from the metadata's `labels`.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { TfeError } from '../../src/errors.js';
import { readInputFile } from '../io/inputs.js';
import { describeOutput } from '../output/describe.js';
import { readClassNames, type ClassNames } from '../output/labels.js';
import { outputsJson } from '../output/print.js';
import { connect, type NodeClientOptions, type ServedPrediction } from './client/index.js';
import type { ModelMetadata } from './oip.js';

export interface PredictIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

interface PredictOptions {
  input: string;
  json: boolean;
  ca?: string;
  caSha256?: string;
  apiKeyFile?: string;
  resize: boolean;
  timeoutMs?: number;
  labels?: string;
}

const kb = (b: number | undefined): string => `${((b ?? 0) / 1024).toFixed(1)} KiB`;

function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new TfeError('E_IO', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The bearer token: the first non-empty line of --api-key-file, else $TFE_API_KEY, else none. */
function apiKeyOf(file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (file !== undefined) {
    const token = readTextFile(file, 'the API key file').split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '');
    if (token === undefined) throw new TfeError('E_ARG', `the API key file ${file} is empty`, 'put the token printed by `tfe serve-keys add` in it');
    return token;
  }
  const v = env.TFE_API_KEY?.trim();
  return v ? v : undefined;
}

function namesOf(meta: ModelMetadata, url: string): ClassNames | undefined {
  const labels = meta.parameters.tfe.labels;
  return labels && labels.length ? { names: labels, file: `the labels of ${url}` } : undefined;
}

/** The served cost line: rounds, bytes each role sent, the session it ran in, times. */
export function servedCostLine(p: ServedPrediction): string {
  const s = p.stats;
  const sent = Object.entries(s.bytes).filter(([, b]) => b > 0).map(([r, b]) => `${r} ${kb(b)}`).join(', ');
  return `${s.rounds} rounds; sent: ${sent}; served in a session of ${s.batch_rows} row(s) (batch ${s.batch_size}); queue ${s.queue_ms.toFixed(1)} ms, session ${s.session_ms.toFixed(1)} ms; latency ${p.latencyMs.toFixed(1)} ms`;
}

/** The text of a served prediction: each output as `tfe run` shows it, then the cost line. */
export function servedText(meta: ModelMetadata, p: ServedPrediction, names: ClassNames | undefined): string {
  const lines = meta.parameters.tfe.bindings.outputs.filter((b) => p.outputs[b.name]).map((b) => describeOutput(b.name, p.outputs[b.name], names));
  lines.push(`cost: ${servedCostLine(p)}`);
  return `${lines.join('\n')}\n`;
}

/** The JSON object of a served prediction, with `tfe run --json`'s keys. */
export function servedJson(p: ServedPrediction, names: ClassNames | undefined): Record<string, unknown> {
  const s = p.stats;
  return {
    outputs: outputsJson(p.outputs, names),
    rounds: s.rounds,
    bytes: s.bytes,
    dealer_bytes: s.bytes.dealer ?? 0,
    declared: null,
    ms: p.latencyMs,
    online_ms: s.session_ms,
    offline_ms: null,
    served: { rows: s.rows, batch_rows: s.batch_rows, batch_size: s.batch_size, queue_ms: s.queue_ms, session_ms: s.session_ms },
  };
}

const positive = (option: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new TfeError('E_ARG', `${option} ${v}: expected a positive integer`);
  return n;
};

export function predictCommand(io: PredictIo, env: NodeJS.ProcessEnv = process.env): Command {
  return new Command('predict')
    .description('one private prediction through a prediction service: the input is secret-shared and encrypted to each server')
    .argument('<URL>', 'the model URL, http://HOST:PORT/v2/models/NAME (as tfe serve prints it)')
    .requiredOption('--input <FILE>', 'input file: .npy, .json (nested arrays, or {"name": array}) or .png (pixels / 255)')
    .addOption(new Option('--json', 'print machine-readable JSON (the keys of tfe run --json)').default(false))
    .addOption(new Option('--ca <FILE>', "the deployment's ca.pem: the servers' keys must be signed by certificates it issued (needed for a non-loopback URL)"))
    .addOption(new Option('--ca-sha256 <HEX>', 'check the CA certificate (--ca, or fetched from URL/ca.pem) against this SHA-256 of its DER'))
    .addOption(new Option('--api-key-file <FILE>', 'a file holding the API key (else the environment variable TFE_API_KEY)'))
    .addOption(new Option('--resize', "resize a .png input to the model's height and width (bilinear)").default(false))
    .addOption(new Option('--labels <FILE>', "class names, one per line (default: the model's labels from the server, if any)"))
    .addOption(new Option('--timeout-ms <MS>', 'per HTTP request (default 30000)').argParser(positive('--timeout-ms')))
    .action(async (url: string, o: PredictOptions) => {
      const apiKey = apiKeyOf(o.apiKeyFile, env);
      const options: NodeClientOptions = {
        ...(apiKey === undefined ? {} : { apiKey }),
        ...(o.ca === undefined ? {} : { caPem: readTextFile(o.ca, 'the CA certificate') }),
        ...(o.caSha256 === undefined ? {} : { caSha256: o.caSha256 }),
        ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
        onWarning: (w) => io.err(`warning: ${w}\n`),
      };
      const client = await connect(url, options);
      const meta = client.metadata;
      const inputs = readInputFile(o.input, meta.parameters.tfe.bindings.inputs, { resize: o.resize, onWarning: (w) => io.err(`warning: ${w}\n`) });
      const p = await client.predict(inputs);
      const names = o.labels === undefined ? namesOf(meta, client.url) : readClassNames(o.labels);
      if (o.json) {
        io.out(`${JSON.stringify(servedJson(p, names))}\n`);
        return;
      }
      io.out(servedText(meta, p, names));
    });
}
