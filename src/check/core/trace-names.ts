/**
 * Turning a trace step into a KernelEvent and a call's return back into a trace value: the
 * names a trace binds with `as` (domains, IOVAs, SVA handles) and the scenario's names.
 */

import type { FaultOp } from '../../../spec/calls.js';
import { IOMMU_DOMAIN_SVA } from '../../../spec/domain-types.js';
import {
  type DomainRef,
  domainRefKey,
  type KernelEvent,
  type KernelRet,
} from '../../../spec/events.js';
import { type InputError, inputError, type Parsed } from '../../../spec/input-error.js';
import { groupNames, type Scenario } from '../../../spec/scenario.js';
import type { TraceStep } from '../../../spec/trace.js';
import type { KernelState } from '../../kernel/types.js';
import type { UserDomains } from './emulator.js';

/** What the names bound so far stand for. */
export interface TraceNames {
  readonly domains: Map<string, DomainRef>;
  readonly iovas: Map<string, number>;
  readonly handles: Set<string>;
  /** The trace's mm names, each the emulator's mm slot in order of first use. */
  readonly mms: ReadonlyMap<string, number>;
}

export function newTraceNames(mmNames: readonly string[] = []): TraceNames {
  return {
    domains: new Map(),
    iovas: new Map(),
    handles: new Set(),
    mms: new Map(mmNames.map((n, i) => [n, i])),
  };
}

/** The mm names a trace uses, in order of first use (any names: bounds limit exploration only). */
export function traceMmNames(steps: readonly TraceStep[]): string[] {
  const out: string[] = [];
  for (const st of steps) {
    const mm = st.args.mm;
    if (typeof mm === 'string' && !out.includes(mm)) out.push(mm);
  }
  return out;
}

function where(step: TraceStep, field: string): string {
  return `step ${step.index} (${step.call}).${field}`;
}

/** Resolve the step's arguments against the scenario and the names bound so far. */
export function resolveStep(
  step: TraceStep,
  scenario: Scenario,
  names: TraceNames,
  st: KernelState,
): Parsed<KernelEvent> {
  const a = step.args;
  const ev: { -readonly [K in keyof KernelEvent]: KernelEvent[K] } = { type: step.call };
  const idx = (list: readonly { name: string }[], v: unknown) =>
    list.findIndex((x) => x.name === v);
  if (a.dev !== undefined) ev.dev = idx(scenario.devices, a.dev);
  if (a.group !== undefined) {
    ev.group = groupNames(scenario).indexOf(a.group as string);
  }
  if (a.buf !== undefined) ev.buf = idx(scenario.buffers, a.buf);
  if (a.iommu !== undefined) ev.iommu = idx(scenario.iommus, a.iommu);
  if (a.mm !== undefined) {
    const mm = names.mms.get(String(a.mm));
    if (mm === undefined) return inputError(where(step, 'mm'), `no mm named "${a.mm}"`);
    ev.mm = mm;
  }
  if (a.type !== undefined) ev.sysfs = a.type as string;
  if (a.owner !== undefined) ev.owner = a.owner as string | null;
  if (a.pasid !== undefined) ev.pasid = a.pasid as number;
  if (a.size !== undefined) ev.size = a.size as number;
  if (a.op !== undefined) ev.op = a.op as FaultOp;
  if (a.domain !== undefined) {
    const ref =
      names.domains.get(a.domain as string) ?? builtinDomainName(scenario, a.domain as string);
    if (ref === undefined)
      return inputError(
        where(step, 'domain'),
        `no domain named "${a.domain}" (bind one with "as" on iommu_paging_domain_alloc or iommu_get_domain_for_dev)`,
      );
    ev.domain = ref;
  }
  if (a.handle !== undefined) {
    const h = a.handle as string;
    if (
      (step.call === 'iommu_sva_unbind_device' || step.call === 'iommu_sva_get_pasid') &&
      !names.handles.has(h)
    ) {
      return inputError(where(step, 'handle'), `no live SVA handle named "${h}"`);
    }
    ev.handle = h;
  }
  if (step.call === 'iommu_sva_bind_device' && step.as !== undefined) ev.handle = step.as;
  if (a.iova !== undefined) {
    let iova: number;
    if (typeof a.iova === 'string') {
      const v = names.iovas.get(a.iova);
      if (v === undefined)
        return inputError(
          where(step, 'iova'),
          `no IOVA named "${a.iova}" (bind one with "as" on dma_map_single)`,
        );
      iova = v;
    } else {
      iova = a.iova as number;
    }
    ev.iova = iova;
    if ((step.call === 'dma_unmap_single' || step.call === 'device_dma') && ev.dev !== undefined) {
      const m = st.devices[ev.dev].maps.findIndex((x) => x.iova === iova);
      if (m >= 0 && step.call === 'dma_unmap_single') ev.map = m;
    }
  }
  return { ok: true, value: ev };
}

/**
 * Built-in domain names a trace may use without binding them: `default:<group>` and
 * `blocking:<group>`, the group's default or blocking domain at the time of the call.
 */
export function builtinDomainName(scenario: Scenario, name: string): DomainRef | undefined {
  const m = /^(default|blocking):(.+)$/.exec(name);
  if (m === null) return undefined;
  const group = groupNames(scenario).indexOf(m[2]);
  if (group < 0) return undefined;
  return { kind: m[1] as 'default' | 'blocking', group };
}

/** Classify an emulator domain id the way a caller would hold it. */
export function domainRefFor(
  st: KernelState,
  users: UserDomains,
  id: number,
): DomainRef | undefined {
  const slot = users.indexOf(id);
  if (slot >= 0) return { kind: 'user', slot };
  for (let g = 0; g < st.groups.length; g++) {
    if (st.groups[g].default_domain === id) return { kind: 'default', group: g };
    if (st.groups[g].blocking_domain === id) return { kind: 'blocking', group: g };
  }
  return undefined;
}

/**
 * The name a trace gives a domain: the newest name bound to it (its `as` name), else `d<slot>`
 * for a user domain and `default:<group>` / `blocking:<group>` by the scenario's group names.
 */
export function traceDomainName(scenario: Scenario, names: TraceNames, ref: DomainRef): string {
  let found: string | undefined;
  for (const [name, r] of names.domains) if (domainRefKey(r) === domainRefKey(ref)) found = name;
  if (found !== undefined) return found;
  return ref.kind === 'user' ? `d${ref.slot}` : `${ref.kind}:${groupNames(scenario)[ref.group]}`;
}

/**
 * The trace value of a call's return, binding `as` names. Allocators return the `as` name (or a
 * generated one); a looked-up domain is named as the trace named it; IOVAs and PASIDs stay numbers.
 */
export function bindReturn(
  step: TraceStep,
  ev: KernelEvent,
  ret: KernelRet,
  names: TraceNames,
  st: KernelState,
  users: UserDomains,
  scenario: Scenario,
): Parsed<KernelRet> {
  switch (step.call) {
    case 'iommu_paging_domain_alloc':
    case 'iommu_get_domain_for_dev': {
      if (typeof ret !== 'number' || ret < 0) return { ok: true, value: ret };
      const ref = domainRefFor(st, users, ret);
      if (ref === undefined) {
        const d = st.domains[ret];
        const what =
          d?.type === IOMMU_DOMAIN_SVA ? 'an SVA domain' : 'a domain the caller cannot hold';
        return inputError(
          `step ${step.index} (${step.call})`,
          `returned ${what}, which a trace cannot name`,
        );
      }
      if (step.call === 'iommu_paging_domain_alloc')
        // A new domain in this slot: names bound to the slot's previous domain are stale.
        for (const [n, r] of names.domains)
          if (domainRefKey(r) === domainRefKey(ref)) names.domains.delete(n);
      const name = step.as ?? traceDomainName(scenario, names, ref);
      names.domains.set(name, ref);
      return { ok: true, value: name };
    }
    case 'iommu_domain_free':
      if (step.args.domain !== undefined) names.domains.delete(step.args.domain as string);
      return { ok: true, value: ret };
    case 'dma_map_single':
      if (typeof ret === 'number' && step.as !== undefined) names.iovas.set(step.as, ret);
      return { ok: true, value: ret };
    case 'iommu_sva_bind_device':
      if (typeof ret === 'string') names.handles.add(ret);
      return { ok: true, value: ret };
    case 'iommu_sva_unbind_device':
      if (!st.svas.some((s) => s.name === ev.handle)) names.handles.delete(ev.handle as string);
      return { ok: true, value: ret };
    default:
      return { ok: true, value: ret };
  }
}

export type { InputError };
