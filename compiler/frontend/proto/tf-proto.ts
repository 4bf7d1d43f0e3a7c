/**
 * Decoding of the TensorFlow protobuf subset in `tf-proto-text.ts` into plain,
 * typed objects. Every message is converted with protobufjs `toObject` using
 * int64 -> decimal string, enums -> numbers, bytes -> Uint8Array and no default
 * values, so absent fields are `undefined`. The TF.js graph-model JSON form of a
 * GraphDef (the protobuf JSON mapping: camelCase, enum names, base64 bytes,
 * int64 strings) goes through `fromObject` and then the same conversion, so all
 * formats reach the NodeDef converter in the same shape.
 */
import protobuf from 'protobufjs';
import { TfeError } from '../../../src/errors.js';
import { TF_PROTO_TEXT } from './tf-proto-text.js';

export interface TensorShapeMsg {
  dim?: { size?: string; name?: string }[];
  unknownRank?: boolean;
}

export interface TensorMsg {
  dtype?: number;
  tensorShape?: TensorShapeMsg;
  tensorContent?: Uint8Array;
  halfVal?: number[];
  floatVal?: number[];
  doubleVal?: number[];
  intVal?: number[];
  stringVal?: Uint8Array[];
  int64Val?: string[];
  boolVal?: boolean[];
  uint32Val?: number[];
  uint64Val?: string[];
}

export interface NameAttrListMsg {
  name?: string;
  attr?: Record<string, AttrMsg>;
}

export interface AttrListMsg {
  s?: Uint8Array[];
  i?: string[];
  f?: number[];
  b?: boolean[];
  type?: number[];
  shape?: TensorShapeMsg[];
  tensor?: TensorMsg[];
  func?: NameAttrListMsg[];
}

/** AttrValue (attr_value.proto): exactly one of these is set. */
export interface AttrMsg {
  s?: Uint8Array;
  i?: string;
  f?: number;
  b?: boolean;
  type?: number;
  shape?: TensorShapeMsg;
  tensor?: TensorMsg;
  list?: AttrListMsg;
  func?: NameAttrListMsg;
  placeholder?: string;
}

export interface NodeDefMsg {
  name?: string;
  op?: string;
  input?: string[];
  device?: string;
  attr?: Record<string, AttrMsg>;
}

export interface ArgDefMsg {
  name?: string;
  type?: number;
  typeAttr?: string;
  numberAttr?: string;
  typeListAttr?: string;
}

export interface OpDefMsg {
  name?: string;
  inputArg?: ArgDefMsg[];
  outputArg?: ArgDefMsg[];
  attr?: { name?: string; type?: string; defaultValue?: AttrMsg }[];
  isStateful?: boolean;
}

export interface FunctionDefMsg {
  signature?: OpDefMsg;
  attr?: Record<string, AttrMsg>;
  nodeDef?: NodeDefMsg[];
  ret?: Record<string, string>;
  controlRet?: Record<string, string>;
}

export interface GraphDefMsg {
  node?: NodeDefMsg[];
  versions?: { producer?: number; minConsumer?: number };
  library?: { function?: FunctionDefMsg[] };
}

export interface TensorInfoMsg {
  name?: string;
  dtype?: number;
  tensorShape?: TensorShapeMsg;
}

export interface SignatureDefMsg {
  inputs?: Record<string, TensorInfoMsg>;
  outputs?: Record<string, TensorInfoMsg>;
  methodName?: string;
}

export interface ObjectReferenceMsg {
  nodeId?: number;
  localName?: string;
}

export interface SavedObjectMsg {
  children?: ObjectReferenceMsg[];
  function?: { concreteFunctions?: string[] };
  variable?: { dtype?: number; tensorShape?: TensorShapeMsg; name?: string };
  bareConcreteFunction?: { concreteFunctionName?: string };
  constant?: { operation?: string };
}

export interface SavedObjectGraphMsg {
  nodes?: SavedObjectMsg[];
  concreteFunctions?: Record<string, { boundInputs?: number[] }>;
}

export interface MetaGraphDefMsg {
  metaInfoDef?: { tags?: string[]; tensorflowVersion?: string };
  graphDef?: GraphDefMsg;
  signatureDef?: Record<string, SignatureDefMsg>;
  objectGraphDef?: SavedObjectGraphMsg;
}

export interface SavedModelMsg {
  savedModelSchemaVersion?: string;
  metaGraphs?: MetaGraphDefMsg[];
}

export interface TrackableObjectGraphMsg {
  nodes?: {
    children?: ObjectReferenceMsg[];
    attributes?: { name?: string; fullName?: string; checkpointKey?: string }[];
  }[];
}

export interface BundleHeaderMsg {
  numShards?: number;
  endianness?: number;
}

export interface BundleEntryMsg {
  dtype?: number;
  shape?: TensorShapeMsg;
  shardId?: number;
  offset?: string;
  size?: string;
  crc32c?: number;
  slices?: unknown[];
}

/** The message types this module decodes, by their name in the schema. */
export interface TfMessages {
  GraphDef: GraphDefMsg;
  SavedModel: SavedModelMsg;
  TrackableObjectGraph: TrackableObjectGraphMsg;
  BundleHeaderProto: BundleHeaderMsg;
  BundleEntryProto: BundleEntryMsg;
}

let root: protobuf.Root | undefined;

function schema(): protobuf.Root {
  root ??= protobuf.parse(TF_PROTO_TEXT, { keepCase: false }).root;
  return root;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, defaults: false, arrays: false };

/**
 * Decodes `bytes` as message `type`. `what` names the file (and part) for the
 * one-line E_FORMAT error raised on a truncated or corrupt encoding.
 */
export function decodeTf<K extends keyof TfMessages>(type: K, bytes: Uint8Array, what: string): TfMessages[K] {
  const t = schema().lookupType(`tfe.tf.${type}`);
  try {
    // toObject can fail too: protobufjs leaves a map entry without its value as null.
    return dropNulls(t.toObject(t.decode(bytes), TO_OBJECT)) as TfMessages[K];
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new TfeError('E_FORMAT', `${what}: not a valid ${type} protobuf (${reason})`,
      'the file is truncated, corrupt or of another format');
  }
}

/** Encodes a plain message of `type` (the inverse of decodeTf), e.g. a GraphDef written by a fixture script. */
export function encodeTf<K extends keyof TfMessages>(type: K, msg: TfMessages[K]): Uint8Array {
  const t = schema().lookupType(`tfe.tf.${type}`);
  return t.encode(t.fromObject(msg as unknown as Record<string, unknown>)).finish();
}

/**
 * protobufjs yields `null` for a map entry whose value is missing on the wire (a
 * corrupt or odd encoder); the typed views here use `undefined` for absence, so
 * null entries are removed, in place, recursively. Typed arrays and arrays of
 * scalars are not walked.
 */
function dropNulls<T>(v: T): T {
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'object') {
      for (let i = v.length - 1; i >= 0; i--) {
        if (v[i] === null) v.splice(i, 1);
        else dropNulls(v[i]);
      }
    }
  } else if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (o[k] === null) delete o[k];
      else dropNulls(o[k]);
    }
  }
  return v;
}

/**
 * Converts a GraphDef in the protobuf JSON mapping (as in a TF.js model.json
 * `modelTopology`) into the same plain form `decodeTf('GraphDef', ...)` returns.
 */
export function graphDefFromJson(json: unknown, what: string): GraphDefMsg {
  const t = schema().lookupType('tfe.tf.GraphDef');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TfeError('E_FORMAT', `${what}: modelTopology is not a GraphDef object`);
  }
  try {
    return dropNulls(t.toObject(t.fromObject(json as Record<string, unknown>), TO_OBJECT)) as GraphDefMsg;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new TfeError('E_FORMAT', `${what}: modelTopology is not a valid GraphDef (${reason})`);
  }
}

/**
 * Converts a plain GraphDef back into the protobuf JSON mapping TF.js expects in
 * `modelTopology` (enum names, base64 bytes, int64 as strings).
 */
export function graphDefToJson(graph: GraphDefMsg): Record<string, unknown> {
  const t = schema().lookupType('tfe.tf.GraphDef');
  const msg = t.fromObject(graph as Record<string, unknown>);
  return t.toObject(msg, { longs: String, enums: String, bytes: String, defaults: false, arrays: false });
}

/** TF DataType enum values (types.proto) the frontends handle. */
export const DT = {
  FLOAT: 1, DOUBLE: 2, INT32: 3, UINT8: 4, INT16: 5, INT8: 6, STRING: 7, INT64: 9, BOOL: 10,
  BFLOAT16: 14, UINT16: 17, HALF: 19, RESOURCE: 20, UINT32: 22, UINT64: 23,
} as const;

/** The DataType enum name for a value (e.g. 1 -> 'DT_FLOAT'), for messages. */
export function dtName(dt: number | undefined): string {
  const e = schema().lookupEnum('tfe.tf.DataType');
  return e.valuesById[dt ?? 0] ?? `DataType(${dt})`;
}
