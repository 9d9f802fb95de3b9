/**
 * Hand-made observations (spec/observe.ts) for the invariant tests in test/spec/invariants/:
 * no emulator, no chart. The base is a small consistent system that every invariant accepts;
 * a test changes one thing and checks the invariant that must notice it (and only that one).
 *
 * Base system (one mock IOMMU with 16 PASIDs, two buffers):
 *   dev0 in g0 (PCI, 8 PASIDs), dev1 in g1 (no PASIDs)
 *   domain 0 IDENTITY (static), 1 BLOCKED (static, g0's blocking domain),
 *   domain 2 DMA (g0's default and current), domain 3 DMA (g1's default and current).
 * The hardware routes (route, access) are derived from the groups and page tables of the
 * observation as given, unless a test overrides them.
 */
import type { AccessObs, DomainObs, Observation, RouteObs } from '../../spec/observe.js';
import type { GroupView, SpecView } from '../../spec/view.js';
import { build, type DeviceInput, type IommuInput, MOCK_IOMMU } from './scenarios.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export const DEV_DEFAULTS: Partial<DeviceInput>[] = [
  { name: 'dev0', group: 'g0', max_pasids: 8, pci: true },
  { name: 'dev1', group: 'g1' },
];

export function dmaDomain(id: number, over: Partial<DomainObs> = {}): DomainObs {
  return {
    id,
    type: 'DMA',
    is_static: false,
    iommu: 0,
    mappings: [],
    awaiting_invalidation: [],
    fq: false,
    dma_initialised: true,
    iova: { start_pfn: 1, ranges: [], reserved: [], bins: 3, cached: [] },
    sva_mm: -1,
    sva_users: 0,
    ...over,
  };
}

export function staticDomain(id: number, type: 'IDENTITY' | 'BLOCKED'): DomainObs {
  return {
    ...dmaDomain(id),
    type,
    is_static: true,
    fq: null,
    dma_initialised: false,
    iova: null,
  };
}

export function groupView(over: Partial<GroupView> = {}): GroupView {
  return {
    default_type: 'DMA',
    domain: 'default',
    owner: null,
    owner_cnt: 0,
    pasids: [],
    ...over,
  };
}

export function specView(over: Partial<SpecView> = {}): SpecView {
  return {
    groups: [groupView(), groupView()],
    devices: [
      { bound: false, maps: 0 },
      { bound: false, maps: 0 },
    ],
    user_domains: [],
    driver_pasids: [],
    mms: [{ pasid: -1, bonds: [] }],
    ...over,
  };
}

export interface ObsInput extends Partial<Mutable<Observation>> {
  /** Devices of the scenario (default DEV_DEFAULTS). */
  readonly devs?: Partial<DeviceInput>[];
  /** IOMMU instances besides the mock m0 (with IOMMU_CAP_DEFERRED_FLUSH, 16 PASIDs). */
  readonly iommus?: IommuInput[];
}

/** RID/PASID route derived from the observation's groups. */
function derivedRoute(o: Observation, dev: number, pasid: number): RouteObs {
  const names: string[] = [];
  for (const d of o.scenario.devices) if (!names.includes(d.group)) names.push(d.group);
  const g = o.groups[names.indexOf(o.scenario.devices[dev].group)];
  const id = pasid === 0 ? g.domain : g.pasids.find((e) => e.pasid === pasid)?.domain;
  if (id === undefined) return { kind: 'abort' };
  const d = o.domains.find((x) => x.id === id);
  if (d === undefined || d.type === 'BLOCKED') return { kind: 'abort' };
  if (d.type === 'IDENTITY') return { kind: 'bypass' };
  return { kind: 'translate', domain: id };
}

function derivedAccess(o: Observation, dev: number, pfn: number, pasid: number): AccessObs {
  const r = o.route(dev, pasid);
  if (r.kind === 'abort') return { kind: 'fault' };
  if (r.kind === 'bypass') return { kind: 'phys', pfn, cached: false };
  const d = o.domains.find((x) => x.id === r.domain);
  for (const m of d?.mappings ?? [])
    if (pfn >= m.iova_pfn && pfn < m.iova_pfn + m.pages)
      return { kind: 'phys', pfn: m.paddr_pfn + (pfn - m.iova_pfn), cached: false };
  return { kind: 'fault' };
}

/** The base observation with the given fields replaced. */
export function makeObs(input: ObsInput = {}): Observation {
  const { devs, iommus, ...over } = input;
  const scenario = build(devs ?? DEV_DEFAULTS, {
    iommus: [MOCK_IOMMU, ...(iommus ?? [])],
    buffers: [
      { name: 'b0', size: 4096 },
      { name: 'b1', size: 4096 },
    ],
  });
  const o: Mutable<Observation> = {
    scenario,
    view: specView(),
    domains: [staticDomain(0, 'IDENTITY'), staticDomain(1, 'BLOCKED'), dmaDomain(2), dmaDomain(3)],
    groups: [
      { default_domain: 2, blocking_domain: 1, domain: 2, pasids: [] },
      { default_domain: 3, blocking_domain: -1, domain: 3, pasids: [] },
    ],
    route: (dev, pasid) => derivedRoute(o, dev, pasid),
    access: (dev, pfn, pasid) => derivedAccess(o, dev, pfn, pasid),
    iotlb: [],
    live_maps: [],
    buffer_pfn: [0x100000, 0x101000],
    dma_iommu: () => true,
    ida: [],
    driver_pasids: [],
    mms: [{ pasid: -1, sva_domains: [] }],
    bonds: [],
    hw_updates: [],
    warnings: [],
    // A caller's domain reference: default and blocking from the groups, user slot k is id 4 + k.
    domainOf: (ref) =>
      ref.kind === 'user'
        ? 4 + ref.slot
        : ref.kind === 'default'
          ? o.groups[ref.group].default_domain
          : o.groups[ref.group].blocking_domain,
    ...over,
  };
  return o;
}

/** A copy of `o` with group g's view fields replaced. */
export function withGroupView(o: Observation, g: number, over: Partial<GroupView>): Observation {
  const groups = o.view.groups.map((x, i) => (i === g ? { ...x, ...over } : x));
  return { ...o, view: { ...o.view, groups } };
}
