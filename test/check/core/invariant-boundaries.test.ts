/**
 * Every invariant at its boundary: for each one a legal kernel sequence that comes as close as
 * the kernel allows to what the invariant forbids, replayed through spec and emulator. None may
 * fire (an invariant that fires on a legal sequence is a false alarm, as IommuUnmapIsSynchronous
 * was when a second domain mapped the same IOVA). Each step's `expect` pins that the sequence
 * really reaches the boundary state; the replay must end with no finding at all.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { ACTION_INVARIANTS, INVARIANTS } from '../../../spec/invariants/index.js';
import { parseScenario } from '../../../spec/parse.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { replayScenario, replayTrace } from '../../../src/check/core/replay.js';

type Step = Record<string, unknown>;
interface Boundary {
  /** What the sequence comes close to. */
  readonly near: string;
  /** A built-in scenario name or an inline scenario. */
  readonly scenario: string | Record<string, unknown>;
  readonly steps: readonly Step[];
}

const MOCK = { name: 'm0', driver: 'mock', caps: ['IOMMU_CAP_DEFERRED_FLUSH'], max_pasids: 16 };
const B2 = [
  { name: 'b0', size: 4096 },
  { name: 'b1', size: 4096 },
];
/** One mock device in g0, strict unless `lazy`. */
const one = (
  name: string,
  lazy = false,
  device: Record<string, unknown> = {},
  iommu: Record<string, unknown> = {},
) => ({
  name,
  kernel: { 'iommu.strict': !lazy },
  iommus: [{ ...MOCK, ...iommu }],
  devices: [{ name: 'dev', iommu: 'm0', group: 'g0', max_pasids: 8, ...device }],
  buffers: [...B2, { name: 'b3', size: 12288 }],
});
/** Two mock devices sharing group g0. */
const pair = (name: string) => ({
  name,
  iommus: [MOCK],
  devices: [
    { name: 'a', iommu: 'm0', group: 'g0', max_pasids: 8 },
    { name: 'b', iommu: 'm0', group: 'g0', max_pasids: 8 },
  ],
  buffers: B2,
});
const D = 'dev';
const alloc = (as: string, dev = D) => ({ call: 'iommu_paging_domain_alloc', dev, as, expect: as });
const attach = (domain: string, expect = 0) => ({
  call: 'iommu_attach_device',
  domain,
  dev: D,
  expect,
});
const detach = (domain: string) => ({ call: 'iommu_detach_device', domain, dev: D });
const pasidAttach = (domain: string, pasid: number, expect = 0) => ({
  call: 'iommu_attach_device_pasid',
  domain,
  dev: D,
  pasid,
  expect,
});
const bind = { call: 'device_driver_attach', dev: D, expect: 0 };
const unbind = { call: 'device_release_driver', dev: D, expect: 0 };
const claim = (expect = 0) => ({
  call: 'iommu_device_claim_dma_owner',
  dev: D,
  owner: 'vfio',
  expect,
});
const release = { call: 'iommu_device_release_dma_owner', dev: D };
const store = (type: string, expect: number) => ({
  call: 'iommu_group_store_type',
  group: 'g0',
  type,
  expect,
});
const show = (expect: string) => ({ call: 'iommu_group_show_type', group: 'g0', expect });
const map = (as: string, buf = 'b0') => ({ call: 'dma_map_single', dev: D, buf, as });
const unmap = (iova: string) => ({ call: 'dma_unmap_single', dev: D, iova, expect: 0 });
const dma = (iova: string | number, expect: string | number) => ({
  call: 'device_dma',
  dev: D,
  iova,
  expect,
});

/** Boundaries by invariant; the list is checked against spec/invariants/index.ts below. */
const BOUNDARIES: Readonly<Record<string, Boundary>> = {
  TypeOK: {
    near: 'a domain attached, detached and freed: groups point only at live domains throughout',
    scenario: one('typeok'),
    steps: [
      alloc('d0'),
      attach('d0'),
      detach('d0'),
      { call: 'iommu_domain_free', domain: 'd0' },
      { call: 'iommu_get_domain_for_dev', dev: D, expect: 'default:g0' },
    ],
  },
  NeverDomainless: {
    near: 'the default domain replaced twice through sysfs: the group moves, never empty',
    scenario: one('never-domainless'),
    steps: [store('identity', 8), store('DMA', 3), show('DMA\n')],
  },
  OneCurrentDomain: {
    near: 'a two-device group attached to a caller domain and back: both members move together',
    scenario: pair('one-current-domain'),
    steps: [
      alloc('d0', 'a'),
      { call: 'iommu_attach_group', domain: 'd0', group: 'g0', expect: 0 },
      { call: 'iommu_detach_group', domain: 'd0', group: 'g0' },
    ],
  },
  RequireDirectNeverBlocked: {
    near: 'an explicit claim of a require_direct device: refused -EINVAL, the device stays put',
    scenario: one('require-direct-claim', false, { require_direct: true }),
    steps: [claim(-22), show('DMA\n')],
  },
  DirectRegionsMapped: {
    near: 'a require_direct device through identity and back to a new DMA default domain',
    scenario: one('direct-regions', false, { require_direct: true }),
    steps: [store('identity', 8), store('DMA', 3)],
  },
  UntrustedNeverIdentity: {
    near: 'identity asked for an untrusted device through sysfs: refused, still DMA',
    scenario: one('untrusted-identity', false, { untrusted: true }),
    steps: [store('identity', -22), show('DMA\n')],
  },
  UntrustedStrict: {
    near: "an untrusted device on a lazy kernel through 'auto': strict DMA again",
    scenario: one('untrusted-auto', true, { untrusted: true }),
    steps: [show('DMA\n'), store('auto', 4), show('DMA\n')],
  },
  StaticDomainsIntact: {
    near: 'an identity default group attached to a caller domain and back to the static domain',
    scenario: one('static-domains'),
    steps: [
      store('identity', 8),
      alloc('d0'),
      attach('d0'),
      detach('d0'),
      { call: 'iommu_domain_free', domain: 'd0' },
      show('identity\n'),
    ],
  },
  OwnerImpliesCount: {
    near: 'the last claim released: owner and count drop together',
    scenario: one('owner-count'),
    steps: [claim(), release],
  },
  OwnerExcludesDmaApiDrivers: {
    near: 'a driver probing an owned group is refused; after the release it binds',
    scenario: one('owner-excludes'),
    steps: [claim(), { ...bind, expect: -16 }, release, bind],
  },
  OwnedGroupOffDefault: {
    near: "an owned group on the owner's domain and back: to the blocking domain, not the default",
    scenario: one('owned-off-default'),
    steps: [
      claim(),
      alloc('d0'),
      attach('d0'),
      detach('d0'),
      { call: 'iommu_get_domain_for_dev', dev: D, expect: 'blocking:g0' },
      release,
    ],
  },
  BoundDriversCounted: {
    near: 'two drivers on one group, one unbinds: the count follows',
    scenario: pair('bound-counted'),
    steps: [
      { call: 'device_driver_attach', dev: 'a', expect: 0 },
      { call: 'device_driver_attach', dev: 'b', expect: 0 },
      { call: 'device_release_driver', dev: 'a', expect: 0 },
    ],
  },
  PasidRoutesToOneDomain: {
    near: 'a PASID attached and detached: routed while in pasid_array, aborted after',
    scenario: one('pasid-routes'),
    steps: [
      alloc('d0'),
      pasidAttach('d0', 1),
      { call: 'iommu_detach_device_pasid', domain: 'd0', dev: D, pasid: 1 },
    ],
  },
  NoPasidZeroEntry: {
    near: 'a PASID attach at IOMMU_NO_PASID: refused -EINVAL, no entry',
    scenario: one('pasid-zero'),
    steps: [alloc('d0'), pasidAttach('d0', 0, -22)],
  },
  PasidWithinRange: {
    near: 'the last PASID below max_pasids attaches; the next is refused',
    scenario: one('pasid-range'),
    steps: [alloc('d0'), pasidAttach('d0', 7), pasidAttach('d0', 8, -22)],
  },
  GlobalPasidSingleHolder: {
    near: 'a global PASID freed and handed out again: one holder each time',
    scenario: one('global-single'),
    steps: [
      { call: 'iommu_alloc_global_pasid', dev: D, expect: 1 },
      { call: 'iommu_free_global_pasid', pasid: 1 },
      { call: 'iommu_alloc_global_pasid', dev: D, expect: 1 },
    ],
  },
  GlobalPasidNotDeviceLocal: {
    near: 'a driver attaches at a global PASID it holds, then binds SVA: the mm gets the next one',
    scenario: one('global-not-local'),
    steps: [
      alloc('d0'),
      { call: 'iommu_alloc_global_pasid', dev: D, expect: 1 },
      pasidAttach('d0', 1),
      { call: 'iommu_sva_bind_device', dev: D, mm: 'mm0', as: 'h' },
      { call: 'iommu_sva_get_pasid', handle: 'h', expect: 2 },
    ],
  },
  SvaUsersMatchBonds: {
    near: 'a bond taken twice and dropped twice: users follow, the domain goes at zero',
    scenario: one('sva-users'),
    steps: [
      { call: 'iommu_sva_bind_device', dev: D, mm: 'mm0', as: 'h' },
      { call: 'iommu_sva_bind_device', dev: D, mm: 'mm0', as: 'h' },
      { call: 'iommu_sva_unbind_device', handle: 'h' },
      { call: 'iommu_sva_unbind_device', handle: 'h' },
    ],
  },
  SvaBondAttached: {
    near: "an mm unbound and bound again: the bond is attached at the mm's kept PASID",
    scenario: one('sva-attached'),
    steps: [
      { call: 'iommu_sva_bind_device', dev: D, mm: 'mm0', as: 'h' },
      { call: 'iommu_sva_unbind_device', handle: 'h' },
      { call: 'iommu_sva_bind_device', dev: D, mm: 'mm0', as: 'h2' },
      { call: 'iommu_sva_get_pasid', handle: 'h2', expect: 1 },
    ],
  },
  FqConsistency: {
    near: 'a new strict DMA domain, then the live upgrade to DMA-FQ: the queue comes with the type',
    scenario: one('fq-consistency', true),
    steps: [store('DMA', 3), show('DMA\n'), store('DMA-FQ', 6), show('DMA-FQ\n')],
  },
  FlushQueueNeedsDeferredFlush: {
    near: "a lazy kernel on an IOMMU without IOMMU_CAP_DEFERRED_FLUSH: demoted to DMA, 'auto' too",
    scenario: one('no-deferred-flush', true, {}, { caps: [] }),
    steps: [show('DMA\n'), store('auto', 4), show('DMA\n')],
  },
  LiveMappingsTranslate: {
    near: 'the live DMA to DMA-FQ upgrade under a bound driver: its mapping keeps translating',
    scenario: one('live-mappings', false),
    steps: [bind, map('x'), store('DMA-FQ', 6), dma('x', 'b0')],
  },
  IotlbCoherent: {
    near: 'a lazy unmap of a cached translation: stale only while queued, gone after the flush',
    scenario: one('iotlb-coherent', true),
    steps: [bind, map('x'), dma('x', 'b0'), unmap('x'), { call: 'fq_flush_timeout', expect: 0 }],
  },
  NoIovaReuseBeforeInvalidation: {
    near: 'a lazy unmap then a new mapping: a different IOVA until the flush frees the old one',
    scenario: one('no-reuse', true),
    steps: [
      bind,
      map('x'),
      dma('x', 'b0'),
      unmap('x'),
      map('y', 'b1'),
      { call: 'fq_flush_timeout', expect: 0 },
      map('z'),
      dma('y', 'b1'),
    ],
  },
  DmaIsolation: {
    near: 'an access at an IOVA nothing maps faults; the mapped one reaches its buffer',
    scenario: one('isolation'),
    steps: [bind, map('x'), dma(0x1000, -14), dma('x', 'b0')],
  },
  BlockedMeansFault: {
    near: 'a claimed group on its blocking domain: a mapping made before faults',
    scenario: one('blocked-faults'),
    steps: [bind, map('x'), unmap('x'), unbind, claim(), dma(0x100000, -14)],
  },
  IovaPlacement: {
    near: 'a one-page and a three-page (rounded to four) mapping side by side, freed and made again',
    scenario: one('iova-placement'),
    steps: [bind, map('x'), map('y', 'b3'), unmap('x'), map('z', 'b1'), dma('y', 'b3')],
  },
  RcacheTyping: {
    near: 'a three-page mapping freed into the order-2 bin and taken again',
    scenario: one('rcache-typing'),
    steps: [bind, map('x', 'b3'), unmap('x'), map('y', 'b3'), dma('y', 'b3')],
  },
  HitlessEntryUpdate: {
    near: 'SMMUv3 STE moves bypass -> CD table -> bypass, sync by sync, DMA in between',
    scenario: 'smmu-hitless',
    steps: [
      { call: 'iommu_paging_domain_alloc', dev: '0000:00:01.0', as: 'd0' },
      { call: 'iommu_attach_device', domain: 'd0', dev: '0000:00:01.0', expect: 0 },
      { call: 'device_dma', dev: '0000:00:01.0', iova: 0x1000 },
      { call: 'hw_step', iommu: 'smmu0' },
      { call: 'device_dma', dev: '0000:00:01.0', iova: 0x1000 },
      { call: 'hw_step', iommu: 'smmu0' },
      { call: 'hw_step', iommu: 'smmu0' },
      { call: 'iommu_detach_device', domain: 'd0', dev: '0000:00:01.0' },
      { call: 'device_dma', dev: '0000:00:01.0', iova: 0x1000 },
      { call: 'hw_step', iommu: 'smmu0' },
    ],
  },
  NoWarningFired: {
    near: 'the calls that WARN when misused, used correctly: detach the current domain, release after unbinding PASIDs',
    scenario: one('no-warning'),
    steps: [
      bind,
      alloc('d0'),
      pasidAttach('d0', 1),
      { call: 'iommu_detach_device_pasid', domain: 'd0', dev: D, pasid: 1 },
      unbind,
      attach('d0'),
      detach('d0'),
    ],
  },
  NoStealing: {
    near: "a second caller's attach while another domain is attached: -EBUSY; after detach it succeeds",
    scenario: one('no-stealing'),
    steps: [alloc('d0'), alloc('d1'), attach('d0'), attach('d1', -16), detach('d0'), attach('d1')],
  },
  FailedPasidAttachLeavesNoTrace: {
    near: 'a second attach at an occupied PASID fails -EBUSY and leaves the first intact',
    scenario: one('failed-pasid-attach'),
    steps: [alloc('d0'), alloc('d1'), pasidAttach('d0', 1), pasidAttach('d1', 1, -16)],
  },
  PasidAttachNeverReplaces: {
    near: 'attach refuses an occupied PASID; iommu_replace_device_pasid replaces it',
    scenario: one('pasid-replace'),
    steps: [
      alloc('d0'),
      alloc('d1'),
      pasidAttach('d0', 1),
      pasidAttach('d1', 1, -16),
      {
        call: 'iommu_replace_device_pasid',
        domain: 'd1',
        dev: D,
        pasid: 1,
        handle: 'h1',
        expect: 0,
      },
    ],
  },
  ClaimNeedsNoPasids: {
    near: 'a claim with a PASID attached fails -EBUSY; after the detach it succeeds',
    scenario: one('claim-pasids'),
    steps: [
      alloc('d0'),
      pasidAttach('d0', 1),
      claim(-16),
      { call: 'iommu_detach_device_pasid', domain: 'd0', dev: D, pasid: 1 },
      claim(),
    ],
  },
  SysfsChangeNeedsNoUsers: {
    near: 'a type change with a driver bound: -EPERM; after the unbind it lands',
    scenario: one('sysfs-users'),
    steps: [bind, store('identity', -1), unbind, store('identity', 8)],
  },
  IommuUnmapIsSynchronous: {
    near: "a caller's domain and the default DMA domain map the same IOVA; iommu_unmap of the caller's domain leaves the default domain's cached translation (another tag) alone",
    scenario: one('two-domains-same-iova'),
    steps: [
      { call: 'device_driver_attach', dev: 'dev', expect: 0 },
      { call: 'dma_map_single', dev: 'dev', buf: 'b0', as: 'x' },
      { call: 'device_dma', dev: 'dev', iova: 'x', expect: 'b0' },
      { call: 'iommu_paging_domain_alloc', dev: 'dev', as: 'priv' },
      { call: 'iommu_map', domain: 'priv', iova: 'x', buf: 'b1', size: 4096, expect: 0 },
      { call: 'iommu_unmap', domain: 'priv', iova: 'x', size: 4096, expect: 4096 },
      { call: 'device_dma', dev: 'dev', iova: 'x', expect: 'b0' },
    ],
  },
};

test('every invariant has a boundary sequence', () => {
  const ids = [...INVARIANTS, ...ACTION_INVARIANTS].map((i) => i.id);
  expect(ids.filter((id) => !(id in BOUNDARIES))).toEqual([]);
});

describe('no invariant fires on a legal sequence at its boundary', () => {
  test.each(Object.entries(BOUNDARIES))('%s', (invariant, b) => {
    const raw = typeof b.scenario === 'string' ? BUILTIN_SCENARIOS[b.scenario] : b.scenario;
    const parsed = parseScenario(raw);
    if (!parsed.ok) throw new Error(`${parsed.where}: ${parsed.message}`);
    const steps = checkTraceSteps(b.steps as Step[], parsed.value);
    if (!steps.ok) throw new Error(`${steps.where}: ${steps.message}`);
    const sc = replayScenario(parsed.value, steps.value);
    const r = replayTrace(sc, steps.value, { spec: createSpecModel(sc) });
    if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
    expect(r.value.steps).toHaveLength(b.steps.length);
    expect(
      r.value.findings.filter((f) => f.result === 'violation' && f.invariant === invariant),
    ).toEqual([]);
    expect(r.value.findings).toEqual([]);
  });
});
