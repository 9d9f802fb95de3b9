/**
 * The trace format (a public contract): a scenario (a built-in name, a path relative to the
 * trace file, or an inline object) and steps `{ call, ...arguments by kernel parameter name,
 * as?, expect? }`. This module checks each step statically: a known call, every required
 * argument present with the right JSON type, every scenario name known. Names bound by `as`
 * are resolved when the trace runs.
 */
import { z } from 'zod';
import { CALLS, type CallName, FAULT_OPS, isCallName, type ParamKind } from './calls.js';
import { formatPath, inputError, type Parsed } from './input-error.js';
import type { Scenario } from './scenario.js';

export const traceFileSchema = z
  .object({
    $schema: z.string().optional(),
    scenario: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
    steps: z.array(z.record(z.string(), z.unknown())),
  })
  .strict();

export type TraceFile = z.infer<typeof traceFileSchema>;

/** A value an argument may hold after static checking. */
export type ArgValue = string | number | null;

export interface TraceStep {
  readonly index: number;
  readonly call: CallName;
  /** Arguments by kernel parameter name, JSON-typed and checked against the scenario. */
  readonly args: Readonly<Record<string, ArgValue>>;
  readonly as?: string;
  readonly expect?: number | string;
}

const U32_MAX = 0xffffffff;

function stepWhere(i: number, call: string, field?: string): string {
  return `step ${i}${call ? ` (${call})` : ''}${field ? `.${field}` : ''}`;
}

function checkArg(kind: ParamKind, value: unknown, scenario: Scenario): string | undefined {
  const isName = typeof value === 'string' && value.length > 0;
  switch (kind) {
    case 'dev':
      if (!isName) return 'must be a device name';
      return scenario.devices.some((d) => d.name === value)
        ? undefined
        : `no device named "${value}" in the scenario`;
    case 'group':
      if (!isName) return 'must be a group name';
      return scenario.devices.some((d) => d.group === value)
        ? undefined
        : `no group named "${value}" in the scenario`;
    case 'buf':
      if (!isName) return 'must be a buffer name';
      return scenario.buffers.some((b) => b.name === value)
        ? undefined
        : `no buffer named "${value}" in the scenario`;
    case 'iommu':
      if (!isName) return 'must be an IOMMU name';
      return scenario.iommus.some((m) => m.name === value)
        ? undefined
        : `no IOMMU named "${value}" in the scenario`;
    case 'mm':
      // Any name: each new one is the next process address space (bounds limit exploration only).
      return isName ? undefined : 'must be an mm name (a process address space, e.g. mm0)';
    case 'domain':
    case 'handle':
      return isName ? undefined : 'must be the name an earlier step bound with "as"';
    case 'pasid':
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be an integer';
      if (value < -1 || value > U32_MAX)
        return 'must fit in a u32 (ioasid_t), or be -1 for IOMMU_PASID_INVALID';
      return undefined;
    case 'size':
      if (typeof value !== 'number' || !Number.isInteger(value))
        return 'must be an integer byte count';
      if (value < 0 || value > U32_MAX) return 'must be between 0 and 2^32-1';
      return undefined;
    case 'iova':
      if (typeof value === 'string')
        return value.length > 0 ? undefined : 'must be a number or a name bound with "as"';
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        return 'must be a non-negative integer or a name bound with "as"';
      return undefined;
    case 'type':
      return typeof value === 'string'
        ? undefined
        : 'must be a string (any string may be written to sysfs)';
    case 'owner':
      return value === null || isName ? undefined : 'must be an owner name, or null for NULL';
    case 'op':
      return typeof value === 'string' && (FAULT_OPS as readonly string[]).includes(value)
        ? undefined
        : `must be one of ${FAULT_OPS.join(', ')}`;
  }
}

/** Check every step against the call vocabulary and the scenario. */
export function checkTraceSteps(
  steps: readonly Record<string, unknown>[],
  scenario: Scenario,
): Parsed<TraceStep[]> {
  const out: TraceStep[] = [];
  for (let i = 0; i < steps.length; i++) {
    const raw = steps[i];
    const call = raw.call;
    if (typeof call !== 'string')
      return inputError(stepWhere(i, '', 'call'), 'is missing or not a string');
    if (!isCallName(call)) return inputError(stepWhere(i, '', 'call'), `unknown call "${call}"`);
    const spec = CALLS[call];
    const args: Record<string, ArgValue> = {};
    const allowed = new Set(['call', 'as', 'expect', ...spec.params.map((p) => p.name)]);
    for (const key of Object.keys(raw)) {
      if (!allowed.has(key))
        return inputError(
          stepWhere(i, call, key),
          `unknown argument for ${call} (it takes ${spec.params.map((p) => p.name).join(', ') || 'no arguments'})`,
        );
    }
    for (const p of spec.params) {
      if (!Object.hasOwn(raw, p.name) || raw[p.name] === undefined) {
        if (p.optional) continue;
        return inputError(stepWhere(i, call, p.name), 'is missing');
      }
      const err = checkArg(p.kind, raw[p.name], scenario);
      if (err !== undefined) return inputError(stepWhere(i, call, p.name), err);
      args[p.name] = raw[p.name] as ArgValue;
    }
    let as: string | undefined;
    if (Object.hasOwn(raw, 'as')) {
      if (typeof raw.as !== 'string' || raw.as.length === 0)
        return inputError(stepWhere(i, call, 'as'), 'must be a non-empty name');
      as = raw.as;
    }
    let expect: number | string | undefined;
    if (Object.hasOwn(raw, 'expect')) {
      const e = raw.expect;
      if (!(typeof e === 'string' || (typeof e === 'number' && Number.isSafeInteger(e)))) {
        return inputError(stepWhere(i, call, 'expect'), 'must be an integer or a string');
      }
      expect = e;
    }
    out.push({ index: i, call, args, as, expect });
  }
  return { ok: true, value: out };
}

export { formatPath };
