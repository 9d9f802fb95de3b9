/**
 * Structured mutations of JSON documents for the validation properties: delete a field, change
 * a type, inject an unknown field or name, add a `__proto__` / `constructor` own key (as
 * JSON.parse would), put in a huge number, or replace a subtree by random JSON.
 * The result always comes back through JSON.stringify / JSON.parse, so it is exactly what a
 * file could hold.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export const MUTATION_KINDS = [
  'delete',
  'retype',
  'unknownField',
  'unknownName',
  'proto',
  'constructor',
  'huge',
  'random',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface Mutation {
  readonly kind: MutationKind;
  /** Picks the target node: index modulo the number of nodes. */
  readonly at: number;
  /** Random JSON for 'random' and 'retype'. */
  readonly payload: unknown;
}

/** Numbers that sit at or beyond every bound of the formats. */
export const HUGE_NUMBERS = [
  1e308,
  -1e308,
  2 ** 53 + 2,
  2 ** 64,
  2 ** 32,
  4294967296 * 16,
  -1,
  -(2 ** 31),
  0.5,
  1e21,
] as const;

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom(...MUTATION_KINDS),
  at: fc.nat(),
  payload: fc.jsonValue({ maxDepth: 2 }),
});

type Slot = { parent: Json[] | { [k: string]: Json }; key: string | number };

function slots(v: Json, out: Slot[] = []): Slot[] {
  if (Array.isArray(v)) {
    v.forEach((c, i) => {
      out.push({ parent: v, key: i });
      slots(c, out);
    });
  } else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      out.push({ parent: v, key: k });
      slots(v[k], out);
    }
  }
  return out;
}

function containers(v: Json, out: { [k: string]: Json }[] = []): { [k: string]: Json }[] {
  if (Array.isArray(v)) for (const c of v) containers(c, out);
  else if (v !== null && typeof v === 'object') {
    out.push(v);
    for (const k of Object.keys(v)) containers(v[k], out);
  }
  return out;
}

function retype(v: Json, payload: unknown): Json {
  switch (typeof v) {
    case 'number':
      return String(v);
    case 'string':
      return v.length;
    case 'boolean':
      return v ? 1 : 'true';
    default:
      if (v === null) return 0;
      if (Array.isArray(v)) return { ...(v as Json[]) } as Json;
      return (payload as Json) ?? [];
  }
}

function setOwn(obj: { [k: string]: Json }, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Apply mutations to a deep copy of `doc`; the result is re-parsed from JSON text. */
export function mutate(doc: unknown, muts: readonly Mutation[]): unknown {
  let root = JSON.parse(JSON.stringify(doc)) as Json;
  for (const m of muts) {
    const all = slots(root);
    if (m.kind === 'unknownField' || m.kind === 'proto' || m.kind === 'constructor') {
      const objs = containers(root);
      if (objs.length === 0) continue;
      const o = objs[m.at % objs.length];
      if (m.kind === 'unknownField') setOwn(o, `x_unknown_${m.at % 7}`, m.payload as Json);
      else setOwn(o, m.kind === 'proto' ? '__proto__' : 'constructor', { polluted: true });
      continue;
    }
    if (all.length === 0) {
      if (m.kind === 'random') root = m.payload as Json;
      continue;
    }
    const s = all[m.at % all.length];
    const parent = s.parent as Record<string | number, Json>;
    switch (m.kind) {
      case 'delete':
        if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
        else delete parent[s.key];
        break;
      case 'retype':
        parent[s.key] = retype(parent[s.key], m.payload);
        break;
      case 'unknownName':
        parent[s.key] = typeof parent[s.key] === 'string' ? `no-such-${m.at % 5}` : parent[s.key];
        break;
      case 'huge':
        parent[s.key] = HUGE_NUMBERS[m.at % HUGE_NUMBERS.length];
        break;
      case 'random':
        parent[s.key] = m.payload as Json;
        break;
    }
  }
  return JSON.parse(JSON.stringify(root));
}
