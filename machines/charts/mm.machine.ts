/**
 * A process address space as SVA sees it (drivers/iommu/iommu-sva.c, newest generation): its
 * global PASID (mm->iommu_mm->pasid), its SVA domains (iommu_mm->sva_domains, newest first,
 * one per IOMMU the mm is bound through) and the bonds on each (struct iommu_sva with its
 * refcount). States follow the context:
 *   no_pasid -> idle (a PASID, no bond) <-> bonded;  mm_pasid_drop: back to no_pasid.
 * The PASID outlives every bond until mm_pasid_drop().
 *
 * iommu_sva_bind_device, in order: iommu_alloc_mm_data (-EOVERFLOW: the mm's PASID does not fit
 * the device; -ENOSPC: no global PASID), then an entry already at (group, PASID): -EBUSY unless it
 * is this mm's bond, which gains a reference; then each existing SVA domain is tried, else a new
 * one (-EOPNOTSUPP without domain_alloc_sva, -ENOMEM on an armed allocation) is attached and its
 * attach error returned. A PASID allocated on the way is kept even when the bind fails.
 * iommu_sva_unbind_device: drop a reference; the last one detaches the PASID and frees the
 * domain with its last bond. The router passes the facts about the group's PASID slot, the
 * attach attempts and armed faults.
 */
import { and, assign, not, setup } from 'xstate';
import type { FaultOp } from '../../spec/calls.js';
import { IOMMU_PASID_INVALID } from '../../spec/domain-types.js';
import { EBUSY, ENOMEM, ENOSPC, EOPNOTSUPP, EOVERFLOW } from '../../spec/errno.js';
import type { Outcome } from '../runtime/chart.js';

export interface SvaBond {
  readonly name: string;
  readonly dev: number;
  readonly group: number;
  readonly users: number;
}

export interface SvaDomain {
  readonly iommu: number;
  readonly bonds: readonly SvaBond[];
}

export interface BindFacts {
  readonly dev: number;
  readonly group: number;
  readonly handle: string;
  readonly dev_max_pasids: number;
  /** The lowest free global PASID the device could get (-1: none). */
  readonly free_pasid: number;
  /** The PASID's entry is tagged with something that is not a bond of this mm. */
  readonly busy: boolean;
  /** This mm's bond already at (group, PASID). */
  readonly existing_bond: string | null;
  /** What the attach attempts come to. */
  readonly outcome: 'reuse' | 'unsupported' | 'alloc_fault' | 'attach_error' | 'new';
  /** The existing SVA domain (index, newest first) that attached. */
  readonly reuse_domain: number;
  /** The IOMMU a new SVA domain is allocated on. */
  readonly iommu: number;
  readonly attach_errno: number;
  /** Faults the attach attempts used up. */
  readonly consumes: readonly FaultOp[];
}

export type MmEvent =
  | { readonly type: 'iommu_sva_bind_device'; readonly bind: BindFacts }
  | { readonly type: 'iommu_sva_unbind_device'; readonly handle: string }
  | { readonly type: 'iommu_sva_get_pasid' }
  | { readonly type: 'mm_pasid_drop' };

export interface MmContext extends Outcome {
  readonly pasid: number;
  readonly domains: readonly SvaDomain[];
}

const bind = (e: MmEvent): BindFacts | null => ('bind' in e ? e.bind : null);
const handleOf = (e: MmEvent): string | null => ('handle' in e ? e.handle : null);

export function findBond(domains: readonly SvaDomain[], name: string): SvaBond | undefined {
  for (const d of domains) for (const b of d.bonds) if (b.name === name) return b;
  return undefined;
}

/** Apply f to the bond named `name`; bonds f maps to null are removed, then empty domains. */
function updateBond(
  domains: readonly SvaDomain[],
  name: string | null,
  f: (b: SvaBond) => SvaBond | null,
): readonly SvaDomain[] {
  return domains
    .map((d) => ({
      iommu: d.iommu,
      bonds: d.bonds.flatMap((b) => {
        if (b.name !== name) return [b];
        const n = f(b);
        return n === null ? [] : [n];
      }),
    }))
    .filter((d) => d.bonds.length > 0);
}

const newBond = (f: BindFacts): SvaBond => ({
  name: f.handle,
  dev: f.dev,
  group: f.group,
  users: 1,
});

export const mmMachine = setup({
  types: { context: {} as MmContext, events: {} as MmEvent },
  guards: {
    hasPasid: ({ context }) => context.pasid !== IOMMU_PASID_INVALID,
    hasBonds: ({ context }) => context.domains.length > 0,
    isOverflow: ({ context, event }) =>
      context.pasid !== IOMMU_PASID_INVALID && context.pasid >= (bind(event)?.dev_max_pasids ?? 0),
    isNoSpace: ({ context, event }) =>
      context.pasid === IOMMU_PASID_INVALID && bind(event)?.free_pasid === IOMMU_PASID_INVALID,
    isBondBusy: ({ event }) => bind(event)?.busy === true,
    isExistingBond: ({ event }) => (bind(event)?.existing_bond ?? null) !== null,
    isReusingDomain: ({ event }) => bind(event)?.outcome === 'reuse',
    isSvaUnsupported: ({ event }) => bind(event)?.outcome === 'unsupported',
    isSvaAllocFault: ({ event }) => bind(event)?.outcome === 'alloc_fault',
    isSvaAttachRefused: ({ event }) => bind(event)?.outcome === 'attach_error',
    isUnknownBond: ({ context, event }) =>
      findBond(context.domains, handleOf(event) ?? '') === undefined,
    isLastReference: ({ context, event }) =>
      findBond(context.domains, handleOf(event) ?? '')?.users === 1,
  },
  actions: {
    recordPasid: assign({
      pasid: ({ context, event }) =>
        context.pasid !== IOMMU_PASID_INVALID
          ? context.pasid
          : (bind(event)?.free_pasid ?? IOMMU_PASID_INVALID),
    }),
    returnZero: assign({ ret: 0, consumed: [] }),
    returnEOVERFLOW: assign({ ret: -EOVERFLOW, consumed: [] }),
    returnENOSPC: assign({ ret: -ENOSPC, consumed: [] }),
    returnEBUSY: assign({ ret: -EBUSY, consumed: [] }),
    returnEOPNOTSUPP: assign({
      ret: -EOPNOTSUPP,
      consumed: ({ event }) => bind(event)?.consumes ?? [],
    }),
    returnSvaAllocFault: assign({
      ret: -ENOMEM,
      consumed: ({ event }) => [...(bind(event)?.consumes ?? []), 'domain_alloc_paging' as const],
    }),
    returnAttachErrno: assign({
      ret: ({ event }) => bind(event)?.attach_errno ?? 0,
      consumed: ({ event }) => bind(event)?.consumes ?? [],
    }),
    addBondReference: assign({
      domains: ({ context, event }) =>
        updateBond(context.domains, bind(event)?.existing_bond ?? null, (b) => ({
          ...b,
          users: b.users + 1,
        })),
      ret: ({ event }) => bind(event)?.existing_bond ?? 0,
      consumed: [],
    }),
    addBond: assign({
      domains: ({ context, event }) => {
        const f = bind(event);
        if (f === null) return context.domains;
        return context.domains.map((d, i) =>
          i === f.reuse_domain ? { iommu: d.iommu, bonds: [...d.bonds, newBond(f)] } : d,
        );
      },
      ret: ({ event }) => bind(event)?.handle ?? 0,
      consumed: ({ event }) => bind(event)?.consumes ?? [],
    }),
    addDomainWithBond: assign({
      domains: ({ context, event }) => {
        const f = bind(event);
        return f === null
          ? context.domains
          : [{ iommu: f.iommu, bonds: [newBond(f)] }, ...context.domains];
      },
      ret: ({ event }) => bind(event)?.handle ?? 0,
      consumed: ({ event }) => bind(event)?.consumes ?? [],
    }),
    removeBond: assign({
      domains: ({ context, event }) => updateBond(context.domains, handleOf(event), () => null),
      ret: 0,
      consumed: [],
    }),
    dropBondReference: assign({
      domains: ({ context, event }) =>
        updateBond(context.domains, handleOf(event), (b) => ({ ...b, users: b.users - 1 })),
      ret: 0,
      consumed: [],
    }),
    returnPasid: assign({ ret: ({ context }) => context.pasid, consumed: [] }),
    clearPasid: assign({ pasid: IOMMU_PASID_INVALID, domains: [], ret: 0, consumed: [] }),
  },
}).createMachine({
  id: 'mm',
  initial: 'no_pasid',
  context: { pasid: IOMMU_PASID_INVALID, domains: [], ret: 0, consumed: [] },
  states: {
    no_pasid: {
      always: [
        { guard: 'hasBonds', target: 'bonded' },
        { guard: 'hasPasid', target: 'idle' },
      ],
    },
    idle: {
      always: [
        { guard: 'hasBonds', target: 'bonded' },
        { guard: not('hasPasid'), target: 'no_pasid' },
      ],
    },
    bonded: {
      always: [
        { guard: and([not('hasBonds'), 'hasPasid']), target: 'idle' },
        { guard: not('hasBonds'), target: 'no_pasid' },
      ],
    },
  },
  on: {
    iommu_sva_bind_device: [
      { guard: 'isOverflow', actions: 'returnEOVERFLOW' },
      { guard: 'isNoSpace', actions: 'returnENOSPC' },
      { guard: 'isBondBusy', actions: ['recordPasid', 'returnEBUSY'] },
      { guard: 'isExistingBond', actions: ['recordPasid', 'addBondReference'] },
      { guard: 'isReusingDomain', actions: ['recordPasid', 'addBond'] },
      { guard: 'isSvaUnsupported', actions: ['recordPasid', 'returnEOPNOTSUPP'] },
      { guard: 'isSvaAllocFault', actions: ['recordPasid', 'returnSvaAllocFault'] },
      { guard: 'isSvaAttachRefused', actions: ['recordPasid', 'returnAttachErrno'] },
      { actions: ['recordPasid', 'addDomainWithBond'] },
    ],
    iommu_sva_unbind_device: [
      { guard: 'isUnknownBond', actions: 'returnZero' },
      { guard: 'isLastReference', actions: 'removeBond' },
      { actions: 'dropBondReference' },
    ],
    iommu_sva_get_pasid: { actions: 'returnPasid' },
    mm_pasid_drop: { actions: 'clearPasid' },
  },
});
