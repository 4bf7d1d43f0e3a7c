/**
 * The demo page's script (index.html, served by the leader at `/` with `--demo`): draw a
 * digit on a 280×280 canvas (mouse, pen or touch through pointer events), turn it into an
 * MNIST-like 28×28 input (digit.ts), secret-share and encrypt it in the page with the
 * client bundle, and show the top-3 classes, the latency and the first words of the share
 * each server received (each alone is uniformly random: the page shows them so a user can
 * see that no server got the drawing).
 *
 * The client comes from `./tfe-client.js` (the leader's dist/web/tfe-client.js, left out of
 * this bundle by `npm run build:web`). The page's `<meta name="tfe-model">` names the model
 * (`?model=NAME` overrides) and `<meta name="tfe-ca-sha256">`, when present, pins the
 * deployment CA: the client then refuses server keys that do not chain to that CA.
 *
 * For tests the page exposes `window.tfeDemo.predictPixels(pixels)` (784 values in [0, 1])
 * and `window.tfeDemo.ready` (resolves once the model metadata is loaded, or rejects).
 */
import type { ModelMetadata } from '../oip.js';
import * as bundle from './tfe-client.js';
import { DIGIT_PIXELS, hexWords, mnistPixels, softmax, topClasses, type RankedClass } from './digit.js';

/** One output of a prediction, as the client returns it (runtime/party/prediction-io.ts OutputValue). */
interface DemoOutput {
  readonly data: ArrayLike<number>;
  readonly shape?: readonly number[];
  readonly kind?: string;
  readonly probabilities?: ArrayLike<number>;
}

/** What the demo needs of a prediction (runtime/serve/client/core.ts). */
interface DemoPrediction {
  readonly outputs: Readonly<Record<string, DemoOutput>>;
  readonly latencyMs: number;
  /** The share words sent to each server role. */
  readonly sent: Readonly<Record<string, BigUint64Array>>;
}

/** What the demo needs of a connected client (runtime/serve/client/core.ts TfeClient). */
interface DemoClient {
  readonly metadata: ModelMetadata;
  predict(inputs: Record<string, Float32Array>): Promise<DemoPrediction>;
}

interface DemoConnectOptions {
  suite: ReturnType<typeof bundle.webSuite>;
  caSha256?: string;
  onWarning?: (message: string) => void;
}

/** What the demo needs of the bundle; `TfeClient` is optional until core.ts is in the bundle. */
interface DemoBundle {
  readonly webSuite: typeof bundle.webSuite;
  readonly TfeClient?: { connect(modelUrl: string, options: DemoConnectOptions): Promise<DemoClient> };
}

/** What `predictPixels` resolves to. */
export interface DemoResult {
  readonly top: readonly RankedClass[];
  /** Whether `top` are probabilities (false for a model that returns only a label). */
  readonly probabilities: boolean;
  readonly latencyMs: number;
  /** The first 8 share words (hex) sent to each server role. */
  readonly sent: Readonly<Record<string, readonly string[]>>;
}

/** The test hook on `window`. */
export interface DemoHook {
  predictPixels(pixels: Float32Array): Promise<DemoResult>;
  readonly ready: Promise<void>;
}

declare global {
  interface Window {
    tfeDemo?: DemoHook;
  }
}

const CANVAS_SIDE = 280;
/** Pen width in canvas pixels: after scaling a ~200-pixel digit to 20 pixels, ~2 pixels like MNIST strokes. */
const PEN_WIDTH = 20;
const WORDS_SHOWN = 8;

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const e = document.getElementById(id);
  if (!(e instanceof type)) throw new Error(`demo page: element #${id} is missing or not a ${type.name}`);
  return e;
}

function meta(name: string): string | undefined {
  const e = document.querySelector(`meta[name="${name}"]`);
  const v = e?.getAttribute('content')?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function errorText(e: unknown): string {
  if (e instanceof bundle.TfeError && e.hint !== undefined) return `${e.message} (${e.hint})`;
  return e instanceof Error ? e.message : String(e);
}

/** The model input the demo feeds: the first input with 784 values per row (28×28, 28×28×1 or 784). */
function digitInput(meta: ModelMetadata): string {
  for (const b of meta.parameters.tfe.bindings.inputs) {
    const perRow = b.shape.slice(1).reduce((a, d) => a * d, 1);
    if (perRow === DIGIT_PIXELS) return b.name;
  }
  const shapes = meta.parameters.tfe.bindings.inputs.map((b) => `${b.name} [${b.shape.join(', ')}]`).join(', ');
  throw new Error(`model ${meta.name} has no 28×28 input (its inputs: ${shapes}); the demo draws MNIST digits`);
}

/** The ranked classes of the model's first non-label output (softmax applied to logits or values). */
function ranking(meta: ModelMetadata, p: DemoPrediction): { top: RankedClass[]; probabilities: boolean } {
  const bindings = meta.parameters.tfe.bindings.outputs;
  const binding = bindings.find((b) => b.kind !== 'label') ?? bindings[0];
  const out = p.outputs[binding.name];
  if (out === undefined) throw new Error(`the prediction has no output '${binding.name}'`);
  const labels = meta.parameters.tfe.labels;
  if (binding.kind === 'label') {
    const index = Number(out.data[0]);
    return { top: [{ index, label: labels?.[index] ?? String(index), probability: Number.NaN }], probabilities: false };
  }
  const probs = out.probabilities ?? (binding.kind === 'probabilities' ? out.data : softmax(out.data));
  return { top: topClasses(probs, 3, labels), probabilities: true };
}

function start(): void {
  const canvas = element('pad', HTMLCanvasElement);
  const status = element('status', HTMLElement);
  const results = element('top', HTMLOListElement);
  const latency = element('latency', HTMLElement);
  const shares = element('shares', HTMLElement);
  const warning = element('warning', HTMLElement);
  const clear = element('clear', HTMLButtonElement);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (ctx === null) throw new Error('demo page: this browser has no 2D canvas');
  canvas.width = CANVAS_SIDE;
  canvas.height = CANVAS_SIDE;

  const blank = (): void => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, CANVAS_SIDE, CANVAS_SIDE);
  };
  blank();

  const api: DemoBundle = bundle;
  const model = new URLSearchParams(location.search).get('model') ?? meta('tfe-model');
  const caSha256 = meta('tfe-ca-sha256');
  const connecting = ((): Promise<DemoClient> => {
    if (model === undefined) return Promise.reject(new Error('no model named: the page has no <meta name="tfe-model"> and no ?model=NAME'));
    if (api.TfeClient === undefined) return Promise.reject(new Error('tfe-client.js has no TfeClient (runtime/serve/client/core.ts): rebuild the bundle with npm run build:web'));
    const url = new URL(`/v2/models/${encodeURIComponent(model)}`, location.href).href;
    const options: DemoConnectOptions = {
      suite: api.webSuite(),
      onWarning: (m) => {
        warning.textContent = m;
        warning.hidden = false;
      },
    };
    if (caSha256 !== undefined) options.caSha256 = caSha256;
    return api.TfeClient.connect(url, options);
  })();
  let idle = 'connecting…';
  const ready = connecting
    .then((c) => {
      digitInput(c.metadata);
      idle = status.textContent = `model ${c.metadata.name} (${c.metadata.parameters.tfe.protocol}, plan ${c.metadata.parameters.tfe.plan_id.slice(0, 12)}…)${caSha256 === undefined ? '' : ', server keys checked against the pinned CA'}: draw a digit`;
    })
    .catch((e: unknown) => {
      idle = status.textContent = `not ready: ${errorText(e)}`;
      throw e;
    });
  // The page reports the failure in its status line; the rejection stays observable through tfeDemo.ready.
  ready.catch(() => undefined);

  let latest = 0;
  const predictPixels = async (pixels: Float32Array): Promise<DemoResult> => {
    if (!(pixels instanceof Float32Array) || pixels.length !== DIGIT_PIXELS) {
      throw new Error(`predictPixels takes a Float32Array of ${DIGIT_PIXELS} values (28×28 in [0, 1])`);
    }
    const client = await connecting;
    const input = digitInput(client.metadata);
    const p = await client.predict({ [input]: pixels });
    const { top, probabilities } = ranking(client.metadata, p);
    const sent: Record<string, string[]> = {};
    for (const [role, words] of Object.entries(p.sent)) sent[role] = hexWords(words, WORDS_SHOWN);
    return { top, probabilities, latencyMs: p.latencyMs, sent };
  };

  const show = (r: DemoResult): void => {
    results.replaceChildren(
      ...r.top.map((c) => {
        const li = document.createElement('li');
        li.textContent = r.probabilities ? `${c.label}: ${(100 * c.probability).toFixed(1)}%` : c.label;
        if (r.probabilities) li.style.setProperty('--p', String(c.probability));
        return li;
      }),
    );
    latency.textContent = `${r.latencyMs.toFixed(1)} ms`;
    shares.replaceChildren(
      ...Object.entries(r.sent).map(([role, words]) => {
        const div = document.createElement('div');
        const name = document.createElement('strong');
        name.textContent = role;
        const code = document.createElement('code');
        code.textContent = words.join(' ');
        div.append(name, ' ', code);
        return div;
      }),
    );
  };

  const predictDrawing = (): void => {
    const id = ++latest;
    const pixels = mnistPixels(ctx.getImageData(0, 0, CANVAS_SIDE, CANVAS_SIDE).data, CANVAS_SIDE, CANVAS_SIDE);
    if (pixels.every((v) => v === 0)) return;
    status.textContent = 'predicting…';
    predictPixels(pixels).then(
      (r) => {
        if (id !== latest) return;
        show(r);
        status.textContent = 'done: draw more, or clear';
      },
      (e: unknown) => {
        if (id === latest) status.textContent = `prediction failed: ${errorText(e)}`;
      },
    );
  };

  // Drawing: pointer events cover mouse, pen and touch (touch-action: none in the CSS).
  let last: { x: number; y: number } | undefined;
  const point = (e: PointerEvent): { x: number; y: number } => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * CANVAS_SIDE) / r.width, y: ((e.clientY - r.top) * CANVAS_SIDE) / r.height };
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = point(e);
    ctx.fillStyle = '#fff';
    ctx.beginPath();
    ctx.arc(last.x, last.y, PEN_WIDTH / 2, 0, 2 * Math.PI);
    ctx.fill();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (last === undefined) return;
    const p = point(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = PEN_WIDTH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
  });
  const end = (): void => {
    if (last === undefined) return;
    last = undefined;
    predictDrawing();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  clear.addEventListener('click', () => {
    latest++;
    blank();
    results.replaceChildren();
    latency.textContent = '';
    shares.replaceChildren();
    status.textContent = idle;
  });

  window.tfeDemo = { predictPixels, ready };
}

start();
