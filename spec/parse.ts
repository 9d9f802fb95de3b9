/** Parsing the public formats from already-read JSON values (the CLI reads the files). */
import { fromZod, type Parsed } from './input-error.js';
import { type Scenario, scenarioSchema } from './scenario.js';
import { type TraceFile, traceFileSchema } from './trace.js';

/** Reject `__proto__` / `constructor` keys anywhere: JSON.parse keeps them as own keys. */
function findForbiddenKey(v: unknown, path: string): string | undefined {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = findForbiddenKey(v[i], `${path}[${i}]`);
      if (r) return r;
    }
  } else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype')
        return path ? `${path}.${k}` : k;
      const r = findForbiddenKey((v as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (r) return r;
    }
  }
  return undefined;
}

export function parseScenario(json: unknown, where = 'scenario'): Parsed<Scenario> {
  const bad = findForbiddenKey(json, '');
  if (bad !== undefined) return { ok: false, where: `${where}.${bad}`, message: 'forbidden key' };
  const r = scenarioSchema.safeParse(json);
  if (!r.success) return fromZod(where, r.error);
  return { ok: true, value: r.data };
}

export function parseTraceFile(json: unknown): Parsed<TraceFile> {
  const bad = findForbiddenKey(json, '');
  if (bad !== undefined) return { ok: false, where: `trace.${bad}`, message: 'forbidden key' };
  const r = traceFileSchema.safeParse(json);
  if (!r.success) return fromZod('trace', r.error);
  return { ok: true, value: r.data };
}
