/**
 * Typed readers for NodeDef attrs (attr_value.proto) with TF's op-def defaults,
 * used by the NodeDef -> IR conversion. A malformed attr is E_FORMAT naming the node.
 */
import { TfeError } from '../../src/errors.js';
import type { AttrMsg, NodeDefMsg } from './proto/tf-proto.js';

const utf8 = new TextDecoder('utf-8');

function attr(n: NodeDefMsg, key: string): AttrMsg | undefined {
  return n.attr?.[key];
}

function bad(n: NodeDefMsg, key: string, expected: string): TfeError {
  return new TfeError('E_FORMAT', `node '${n.name}' (op ${n.op}): attr '${key}' is not ${expected}`);
}

export function attrBool(n: NodeDefMsg, key: string, def: boolean): boolean {
  const a = attr(n, key);
  if (a === undefined) return def;
  if (typeof a.b !== 'boolean') throw bad(n, key, 'a bool');
  return a.b;
}

export function attrInt(n: NodeDefMsg, key: string, def: number): number {
  const a = attr(n, key);
  if (a === undefined) return def;
  if (a.i === undefined) throw bad(n, key, 'an int');
  return Number(a.i);
}

export function attrFloat(n: NodeDefMsg, key: string, def: number): number {
  const a = attr(n, key);
  if (a === undefined) return def;
  if (a.f === undefined) throw bad(n, key, 'a float');
  return a.f;
}

export function attrString(n: NodeDefMsg, key: string, def: string): string {
  const a = attr(n, key);
  if (a === undefined) return def;
  if (a.s === undefined) throw bad(n, key, 'a string');
  return utf8.decode(a.s);
}

export function attrInts(n: NodeDefMsg, key: string, def: readonly number[]): number[] {
  const a = attr(n, key);
  if (a === undefined) return [...def];
  if (a.list === undefined) throw bad(n, key, 'a list of ints');
  return (a.list.i ?? []).map(Number);
}

export function attrStrings(n: NodeDefMsg, key: string): string[] {
  const a = attr(n, key);
  if (a === undefined) return [];
  if (a.list === undefined) throw bad(n, key, 'a list of strings');
  return (a.list.s ?? []).map((s) => utf8.decode(s));
}

export function attrType(n: NodeDefMsg, key: string): number | undefined {
  return attr(n, key)?.type;
}
