/**
 * The kernel-list debates of docs/kernel/14-design-alternatives.md §14.1 to §14.7 as checkable
 * alternatives; each debate id is named in its section there.
 */

import { groupOfDevice } from '../scenario.js';
import amdIgpuAudioDma from './scenarios/amd-igpu-audio-dma.json' with { type: 'json' };
import iovaRcacheRange from './scenarios/iova-rcache-range.json' with { type: 'json' };
import s390Untrusted from './scenarios/s390-untrusted.json' with { type: 'json' };
import smmuSharedDomain from './scenarios/smmu-shared-domain.json' with { type: 'json' };
import sysfsRules from './scenarios/sysfs-rules.json' with { type: 'json' };
import untrustedFqUpgrade from './scenarios/untrusted-fq-upgrade.json' with { type: 'json' };
import vtdIdxd from './scenarios/vtd-idxd.json' with { type: 'json' };
import type { Variant } from './types.js';

const PAGE = 4096;
const pagesOf = (size: number) => Math.ceil(size / PAGE);
const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(n));

export const DEBATES: Readonly<Record<string, string>> = {
  '000_df8a635ccebfddb5':
    'AMD IOMMUv2: a direct-mapped PASID-capable domain on the iGPU + HDMI audio group (Feb 2022)',
  '001_e28787a912bf3fd1': 'A configurable IOVA rcache range (2021-22)',
  '002_914897e31632cc60': 'def_domain_type returning DMA_FQ (s390, Dec 2024)',
  '003_16282fbf64a4949c': 'A per-domain PASID for the DMA API (2022)',
  '004_f77bc22ced09604c': 'SMMUv3 CD table per domain or per master (2023)',
  'sysfs-v6.3': "The sysfs type rules of v6.3 (-EBUSY, singleton groups) against today's (-EPERM)",
  'finding:untrusted-fq-upgrade':
    'Our finding (docs/findings/untrusted-fq-upgrade.md): the sysfs live DMA to DMA-FQ upgrade checks neither untrusted devices nor IOMMU_CAP_DEFERRED_FLUSH',
};

export const VARIANTS: readonly Variant[] = [
  {
    debate: '000_df8a635ccebfddb5',
    name: 'amd-v2-attach-device-multi',
    merged: false,
    summary:
      'iommu_attach_device accepts multi-device groups, so amd_iommu_v2 installs its domain on the iGPU group from the GPU driver.',
    rules: ['attach-device-multi-device-groups'],
    scenario: amdIgpuAudioDma,
    objection: {
      who: 'Jason Gunthorpe',
      said: 'nothing tells the HDMI audio driver that its DMA domain changed underneath it; a group-wide change needs the DMA-API refcount to block it',
      ground: 'correctness',
    },
    expected: { violates: 'LiveMappingsTranslate' },
    finding:
      "The explorer's shortest trace breaks the GPU's own DMA-API mapping right after its driver put the group on its own domain; the case Jason raised, the HDMI audio function's mapping faulting under it, is the same break with the audio driver bound first (pinned in test/check/frontends/variants.test.ts).",
  },
  {
    debate: '000_df8a635ccebfddb5',
    name: 'amd-per-device-gcr3',
    merged: true,
    summary:
      'What was merged: iommu_attach_device keeps its singleton rule, amd_iommu_v2 is gone, and AMD SVA uses the core SVA path with a per-device GCR3 table.',
    rules: [],
    scenario: amdIgpuAudioDma,
    expected: 'holds',
  },
  {
    debate: '001_e28787a912bf3fd1',
    name: 'rcache-range-live',
    merged: false,
    summary: 'dma_set_max_opt_size() grows the rcache range of the live default domain at once.',
    rules: ['rcache-range-live'],
    scenario: iovaRcacheRange,
    objection: {
      who: 'Robin Murphy',
      said: 'the caching scope cannot grow on a live domain: IOVAs allocated unrounded before the change would be freed into the caches',
      ground: 'correctness',
    },
    expected: { violates: 'RcacheTyping' },
  },
  {
    debate: '001_e28787a912bf3fd1',
    name: 'rcache-range-sysfs',
    merged: false,
    summary:
      'The range is changed like the sysfs type: only with no driver bound (-EBUSY otherwise), onto fresh caches.',
    rules: ['rcache-range-sysfs'],
    scenario: iovaRcacheRange,
    objection: {
      who: 'Lu Baolu',
      said: 'asking users to unbind the driver just to raise a limit is a heavy price',
      ground: 'cost',
    },
    expected: 'holds',
    cost: () => ({ 'needs the driver unbound': 'yes (-EBUSY while bound)' }),
  },
  {
    debate: '001_e28787a912bf3fd1',
    name: 'rcache-range-probe-defer',
    merged: false,
    summary:
      'A DMA-API call from a bound driver returns -EPROBE_DEFER and the driver reprobes onto a domain with the larger range.',
    rules: ['rcache-range-probe-defer'],
    scenario: iovaRcacheRange,
    objection: {
      who: 'Robin Murphy',
      said: 'decoupling the roundup threshold from the cache size buys nothing, and a probe cycle is the cost',
      ground: 'design',
    },
    expected: 'holds',
    cost: () => ({ 'driver reprobes': 1 }),
  },
  {
    debate: '001_e28787a912bf3fd1',
    name: 'rcache-range-fixed',
    merged: true,
    summary:
      'What was merged: the roundup moved into alloc_iova_fast, the range stays 2^(IOVA_RANGE_CACHE_MAX_SIZE-1) pages, dma_opt_mapping_size() reports it.',
    rules: [],
    scenario: iovaRcacheRange,
    expected: 'holds',
    cost(scenario) {
      // The IOVA space full power-of-two alignment would cost if the cached range covered every buffer.
      let used = 0;
      let aligned = 0;
      for (const b of scenario.buffers) {
        used += pagesOf(b.size);
        aligned += pow2(pagesOf(b.size));
      }
      const frame = pagesOf(35 * 1024 * 1024);
      return {
        'scenario IOVA pages (as allocated)': used,
        'scenario IOVA pages if rounded to a power of two': aligned,
        'IOVA space lost to rounding': `${Math.round((100 * (aligned - used)) / aligned)}%`,
        'a 35 MiB frame rounded': `${(pow2(frame) * PAGE) / (1024 * 1024)} MiB`,
      };
    },
  },
  {
    debate: '002_914897e31632cc60',
    name: 's390-def-domain-dma-fq',
    merged: false,
    summary:
      's390_iommu_def_domain_type() returns DMA_FQ unless strict (DMA) or passthrough with rtr_avail (IDENTITY).',
    rules: ['s390-def-domain-dma-fq'],
    scenario: s390Untrusted,
    objection: {
      who: 'Robin Murphy',
      said: 'DMA_FQ is internal to the core and dma-iommu; a driver type other than DMA defeats the untrusted-device override',
      ground: 'correctness',
    },
    expected: { violates: 'NeverDomainless' },
    finding:
      'It breaks at boot: the untrusted override sees a driver type (DMA_FQ) other than DMA, refuses (-1), and the group is left with no default domain, so the device cannot be used at all.',
  },
  {
    debate: '002_914897e31632cc60',
    name: 'core-promote-dma-fq',
    merged: false,
    summary:
      'The core promotes a DMA default to DMA_FQ whenever not strict, whoever asked for DMA.',
    rules: ['core-promote-dma-fq'],
    scenario: s390Untrusted,
    objection: {
      who: 'Robin Murphy',
      said: 'strictness massaging in the core would also make the forced-strict untrusted devices lazy',
      ground: 'correctness',
    },
    expected: { violates: 'UntrustedStrict' },
  },
  {
    debate: '002_914897e31632cc60',
    name: 's390-rtr-ops',
    merged: true,
    summary:
      'What was merged (v5, Feb 2025): no def_domain_type; an identity domain only in s390_iommu_rtr_ops, registered with rtr_avail.',
    rules: [],
    scenario: s390Untrusted,
    expected: 'holds',
  },
  {
    debate: '003_16282fbf64a4949c',
    name: 'dma-pasid-per-domain',
    merged: false,
    summary:
      'The DMA-API PASID belongs to the domain (v3): the core owns it, so unbinding the driver does not detach it.',
    rules: ['dma-pasid-core-owned'],
    scenario: vtdIdxd,
    contract: [
      {
        call: 'device_release_driver',
        why: "the per-domain PASID is the core's, so drivers unbind with it still attached",
        allow: (view, ev, scenario) => {
          if (ev.dev === undefined || !view.devices[ev.dev].bound) return false;
          const g = groupOfDevice(scenario, ev.dev);
          return view.groups[g].pasids.every(([, d]) => d === 'default');
        },
      },
    ],
    objection: {
      who: 'Jason Gunthorpe',
      said: 'this is the wrong API: the DMA API only has to connect a PASID to its domain, not give domains or devices PASIDs of their own',
      ground: 'design',
    },
    expected: { violates: 'TypeOK' },
  },
  {
    debate: '003_16282fbf64a4949c',
    name: 'global-pasid-attach',
    merged: true,
    summary:
      'What was merged (v6.5): iommu_alloc_global_pasid() and iommu_attach_device_pasid() of iommu_get_domain_for_dev(); the driver detaches before it unbinds.',
    rules: [],
    scenario: vtdIdxd,
    expected: 'holds',
  },
  {
    debate: '004_f77bc22ced09604c',
    name: 'cd-table-per-domain',
    merged: false,
    summary:
      'The CD table belongs to the S1 domain, so every master attached to the domain shares it.',
    rules: ['smmu-cd-table-per-domain'],
    scenario: smmuSharedDomain,
    objection: {
      who: 'Michael Shavit (cover letter), with Jason Gunthorpe',
      said: 'a domain describes one CD; the table is a property of the master, and must be for PASIDs to be attached to unmanaged and DMA domains',
      ground: 'correctness',
    },
    expected: { violates: 'PasidRoutesToOneDomain' },
    cost: (scenario) => cdTableCost(scenario, 1),
  },
  {
    debate: '004_f77bc22ced09604c',
    name: 'cd-table-per-master',
    merged: true,
    summary: 'What was merged (v8, Oct 2023): master->cd_table, allocated on first use.',
    rules: [],
    scenario: smmuSharedDomain,
    expected: 'holds',
    cost: (scenario) => cdTableCost(scenario, scenario.devices.length),
  },
  {
    debate: 'sysfs-v6.3',
    name: 'sysfs-v6.3',
    merged: false,
    summary:
      'v6.3: iommu_change_dev_def_domain: singleton groups only (-EINVAL), -EBUSY with a driver bound except the live DMA to DMA-FQ upgrade.',
    rules: [],
    kernel: { revision: 'v6.3' },
    scenario: sysfsRules,
    objection: {
      who: 'the 2023 rework',
      said: 'multi-device groups could not change type at all, and the device_lock dance was deadlock-prone',
      ground: 'cost',
    },
    expected: 'holds',
    cost: (scenario) => ({
      'groups whose type sysfs can change': groupsBySize(scenario).filter((n) => n === 1).length,
    }),
  },
  {
    debate: 'sysfs-v6.3',
    name: 'sysfs-eperm',
    merged: true,
    summary:
      'Today: any group with no driver bound and no owner (owner_cnt == 0) may change type; -EPERM otherwise.',
    rules: [],
    scenario: sysfsRules,
    expected: 'holds',
    cost: (scenario) => ({ 'groups whose type sysfs can change': groupsBySize(scenario).length }),
  },
  {
    debate: 'finding:untrusted-fq-upgrade',
    name: 'sysfs-fq-upgrade-newest',
    merged: true,
    summary:
      'The kernel as it stands (newest): writing "DMA-FQ" to a group on a DMA default domain calls iommu_dma_init_fq() and flips the type, whoever the devices are and whatever their IOMMU can do.',
    rules: [],
    scenario: untrustedFqUpgrade,
    expected: { violates: 'UntrustedStrict' },
    finding:
      'One sysfs write gives an untrusted device a flush queue (UntrustedStrict) and gives a flush queue to a device whose IOMMU lacks IOMMU_CAP_DEFERRED_FLUSH (FlushQueueNeedsDeferredFlush); probe refuses both.',
  },
  {
    debate: 'finding:untrusted-fq-upgrade',
    name: 'sysfs-fq-upgrade-checked',
    merged: false,
    summary:
      'The proposed fix: the live upgrade refuses a group with an untrusted PCI device (-EINVAL, as "identity" is refused) and leaves the domain strict when a device lacks IOMMU_CAP_DEFERRED_FLUSH (as iommu_dma_init_domain falls back).',
    rules: ['sysfs-fq-upgrade-checked'],
    scenario: untrustedFqUpgrade,
    expected: 'holds',
  },
];

function groupsBySize(scenario: { devices: readonly { group: string }[] }): number[] {
  const sizes = new Map<string, number>();
  for (const d of scenario.devices) sizes.set(d.group, (sizes.get(d.group) ?? 0) + 1);
  return [...sizes.values()];
}

/** CD-table memory: 64-byte CDs, 2^S1CDMax of them per table (linear format). */
function cdTableCost(
  scenario: { devices: readonly { max_pasids: number }[] },
  tables: number,
): Record<string, number | string> {
  const ssids = Math.max(...scenario.devices.map((d) => d.max_pasids), 1);
  const perTable = pow2(ssids) * 64;
  return {
    'CD tables for the masters sharing one domain': tables,
    'bytes of CD table': tables * perTable,
    'bytes for 8 masters sharing a domain': (tables === 1 ? 1 : 8) * perTable,
  };
}
