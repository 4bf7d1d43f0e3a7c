/**
 * Top-level glue: the plaintext reference of a compiled plan, i.e. the ORIGINAL model
 * run by TensorFlow.js (tfjs-converter for GraphDefs, SavedModels and tfjs graph
 * models, tfjs-layers for Keras and tfjs layers models), cut the way the plan was
 * (--input). `tfe run --check` and `tfe eval` compare private outputs with it. The model
 * is opened from the path in weights.json or from `--model`, and refused unless its
 * SHA-256 equals the plan's (the plan would otherwise be compared with another model). It sits
 * here because it joins the compiler's artifact converters to the runtime's tfjs
 * runner, which do not import each other.
 */
import { toTfjsLayersArtifacts } from '../compiler/frontend/keras-artifacts.js';
import { toTfjsGraphArtifacts } from '../compiler/frontend/tf-artifacts.js';
import { modelSha256 } from '../compiler/plan/model-hash.js';
import type { ModelLocation, ReferenceRunner } from '../runtime/eval/reference.js';
import type { FloatTensor } from '../runtime/party/executor.js';
import { openTfjsGraph, openTfjsLayers, type TfjsArtifacts } from '../runtime/plaintext/tfjs-runner.js';
import { TfeError } from './errors.js';
import type { Plan } from './plan/index.js';

type Run = (inputs: Readonly<Record<string, FloatTensor>>) => Promise<FloatTensor[]>;

const GRAPH_FORMATS = new Set(['graphdef', 'savedmodel', 'tfjs-graph']);
const LAYERS_FORMATS = new Set(['keras-h5', 'keras3', 'tfjs-layers']);

/** The --input cuts recorded in the plan's options (`NAME=AxBxC`). */
function cuts(plan: Plan): { name: string; shape: number[] }[] {
  const v = plan.options.input;
  const list = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  return list.map((s) => {
    const eq = s.lastIndexOf('=');
    return { name: s.slice(0, eq), shape: s.slice(eq + 1).split('x').filter((d) => d !== '').map(Number) };
  });
}

/** Refuses a model whose content is not the one the plan was compiled from. */
function checkModel(plan: Plan, model: ModelLocation): void {
  const want = plan.model.sha256;
  if (want === undefined) return;
  const got = modelSha256(model.path);
  if (got === want) return;
  if (model.from === '--model') {
    throw new TfeError('E_ARG', `--model ${model.path} is not the model this plan was compiled from: its sha256 is ${got}, the plan's (${plan.model.file}) is ${want}`,
      'give the model file that was compiled into this plan, or recompile');
  }
  throw new TfeError('E_PLAN', `the model ${model.path} (from weights.json) changed since it was compiled: its sha256 is ${got}, the plan's is ${want}`,
    'recompile the model, or give the original with --model FILE');
}

async function open(plan: Plan, model: ModelLocation): Promise<Run> {
  checkModel(plan, model);
  const { format } = plan.model;
  const { path } = model;
  if (GRAPH_FORMATS.has(format)) {
    const cut = cuts(plan);
    const { artifacts } = await toTfjsGraphArtifacts(path, cut.length ? { inputs: cut } : {});
    const runner = await openTfjsGraph(artifacts as unknown as TfjsArtifacts);
    const names = plan.outputs.map((o) => o.name);
    return (inputs) => runner.run(Object.fromEntries(plan.inputs.map((b) => [b.name, inputs[b.name]])), names);
  }
  if (LAYERS_FORMATS.has(format)) {
    const artifacts = await toTfjsLayersArtifacts(path);
    const runner = await openTfjsLayers(artifacts as unknown as TfjsArtifacts);
    return (inputs) => runner.run(plan.inputs.map((b) => inputs[b.name]));
  }
  throw new TfeError('E_UNSUPPORTED', `no plaintext reference runner for model format '${format}'`);
}

/** A reference runner that loads each original model once (keyed by plan id and path). */
export function tfjsReference(): ReferenceRunner {
  const loaded = new Map<string, Promise<Run>>();
  return async (plan, model, inputs) => {
    const key = `${plan.planId}\n${model.path}`;
    let r = loaded.get(key);
    if (!r) {
      r = open(plan, model);
      loaded.set(key, r);
    }
    return (await r)(inputs);
  };
}
