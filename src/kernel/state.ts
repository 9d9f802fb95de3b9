/**
 * Building the immutable topology from a scenario, the empty state, and the deep clone the
 * checker takes before every step. Harness code (camelCase).
 */
import type { FaultOp } from '../../spec/calls.js';
import { FAULT_OPS } from '../../spec/calls.js';
import { bufferPfn, directPfn } from '../../spec/layout.js';
import { groupNames, groupOfDevice, type Scenario } from '../../spec/scenario.js';
import type {
  BufferInfo,
  DeviceInfo,
  GroupInfo,
  HwDevice,
  IommuDomain,
  IommuInstance,
  IommuOps,
  KernelConfig,
  KernelState,
} from './types.js';

export interface ConfigOptions {
  readonly mutants?: Iterable<string>;
  readonly variant?: Iterable<string>;
}

export function createKernelConfig(
  scenario: Scenario,
  opsFor: (iommu: IommuInstance, variant: ReadonlySet<string>) => IommuOps,
  options: ConfigOptions = {},
): KernelConfig {
  const variant: ReadonlySet<string> = new Set(options.variant ?? []);
  const iommus: IommuInstance[] = scenario.iommus.map((m, index) => ({
    index,
    name: m.name,
    driver: m.driver,
    caps: m.caps,
    max_pasids: m.max_pasids,
    rtr_avail: m.rtr_avail,
  }));
  const iommuIndex = new Map(iommus.map((m) => [m.name, m.index]));
  const devices: DeviceInfo[] = scenario.devices.map((d, index) => {
    const iommu = iommuIndex.get(d.iommu) ?? 0;
    return {
      index,
      name: d.name,
      iommu,
      group: groupOfDevice(scenario, index),
      max_pasids: Math.min(d.max_pasids, iommus[iommu].max_pasids),
      untrusted: d.untrusted,
      require_direct: d.require_direct,
      shadow_on_flush: d.shadow_on_flush,
      pci: d.pci,
      dma_limit_pfn: 2 ** (d.dma_mask_bits - 12) - 1,
      direct_pfn: directPfn(index),
    };
  });
  const groups: GroupInfo[] = groupNames(scenario).map((name, index) => {
    const members = devices.filter((d) => d.group === index);
    return { index, name, iommu: members[0].iommu, devices: members.map((d) => d.index) };
  });
  const buffers: BufferInfo[] = scenario.buffers.map((b, index) => ({
    index,
    name: b.name,
    pfn: bufferPfn(index),
    size: b.size,
  }));
  return {
    scenario,
    revision: scenario.kernel.revision,
    iommus,
    devices,
    groups,
    buffers,
    ops: iommus.map((m) => opsFor(m, variant)),
    mutants: new Set(options.mutants ?? []),
    variant,
  };
}

export function emptyOpCalls(): Record<FaultOp, number> {
  const r = {} as Record<FaultOp, number>;
  for (const op of FAULT_OPS) r[op] = 0;
  return r;
}

export function emptyKernelState(cfg: KernelConfig): KernelState {
  return {
    iommu_def_domain_type: 0,
    iommu_dma_strict: false,
    groups: cfg.groups.map(() => ({
      default_domain: -1,
      blocking_domain: -1,
      domain: -1,
      owner_cnt: 0,
      owner: null,
      pasid_array: [],
    })),
    devices: cfg.devices.map((d) => ({
      driver_bound: false,
      dma_iommu: false,
      pci_32bit_workaround: d.pci && !cfg.scenario.kernel['iommu.forcedac'],
      maps: [],
    })),
    domains: [],
    global_pasids: [],
    driver_pasids: [],
    mms: Array.from({ length: cfg.scenario.bounds.mms }, () => ({
      pasid: -1,
      sva_domains: [],
    })),
    svas: [],
    hw: cfg.iommus.map(() => ({ iotlb: [], pending: [], syncs: 0 })),
    hwdev: cfg.devices.map(() => ({ rid: [], pasid_table: null })),
    warnings: [],
    op_calls: emptyOpCalls(),
    armed_faults: [],
  };
}

function cloneDomain(d: IommuDomain | null): IommuDomain | null {
  if (d === null) return null;
  return {
    id: d.id,
    type: d.type,
    iommu: d.iommu,
    is_static: d.is_static,
    alloc_pasid: d.alloc_pasid,
    pgtable: d.pgtable.map((m) => ({ ...m })),
    gather: d.gather.map((g) => [g[0], g[1]]),
    cookie:
      d.cookie === null
        ? null
        : {
            iovad: {
              granule: d.cookie.iovad.granule,
              start_pfn: d.cookie.iovad.start_pfn,
              dma_32bit_pfn: d.cookie.iovad.dma_32bit_pfn,
              cached_node: d.cookie.iovad.cached_node,
              cached32_node: d.cookie.iovad.cached32_node,
              max32_alloc_size: d.cookie.iovad.max32_alloc_size,
              ranges: d.cookie.iovad.ranges.map((r) => [r[0], r[1]]),
              reserved: d.cookie.iovad.reserved.map((r) => [r[0], r[1]]),
              rcaches:
                d.cookie.iovad.rcaches === null
                  ? null
                  : d.cookie.iovad.rcaches.map((b) => ({
                      loaded: b.loaded.slice(),
                      prev: b.prev.slice(),
                      depot: b.depot.map((m) => m.slice()),
                    })),
              mag_size: d.cookie.iovad.mag_size,
            },
            fq:
              d.cookie.fq === null
                ? null
                : {
                    entries: d.cookie.fq.entries.map((e) => ({ ...e })),
                    size: d.cookie.fq.size,
                    fq_flush_start_cnt: d.cookie.fq.fq_flush_start_cnt,
                    fq_flush_finish_cnt: d.cookie.fq.fq_flush_finish_cnt,
                    fq_timer_on: d.cookie.fq.fq_timer_on,
                  },
          },
    mm: d.mm,
    users: d.users,
  };
}

function cloneHwDevice(h: HwDevice): HwDevice {
  return {
    rid: h.rid.slice(),
    pasid_table:
      h.pasid_table === null
        ? null
        : h.pasid_table.map((e) => ({ pasid: e.pasid, entry: e.entry.slice() })),
  };
}

/** A deep copy: the checker mutates the copy, never the state it came from. */
export function cloneKernelState(st: KernelState): KernelState {
  return {
    iommu_def_domain_type: st.iommu_def_domain_type,
    iommu_dma_strict: st.iommu_dma_strict,
    groups: st.groups.map((g) => ({
      default_domain: g.default_domain,
      blocking_domain: g.blocking_domain,
      domain: g.domain,
      owner_cnt: g.owner_cnt,
      owner: g.owner,
      pasid_array: g.pasid_array.map((e) => ({ ...e })),
    })),
    devices: st.devices.map((d) => ({
      driver_bound: d.driver_bound,
      dma_iommu: d.dma_iommu,
      pci_32bit_workaround: d.pci_32bit_workaround,
      maps: d.maps.map((m) => ({ ...m })),
    })),
    domains: st.domains.map(cloneDomain),
    global_pasids: st.global_pasids.slice(),
    driver_pasids: st.driver_pasids.slice(),
    mms: st.mms.map((m) => ({ pasid: m.pasid, sva_domains: m.sva_domains.slice() })),
    svas: st.svas.map((s) => ({ ...s })),
    hw: st.hw.map((h) => ({
      iotlb: h.iotlb.map((e) => ({ ...e })),
      pending: h.pending.map((p) => ({
        dev: p.dev,
        ssid: p.ssid,
        kind: p.kind,
        fields: p.fields.slice(),
        old: p.old.slice(),
        target: p.target.slice(),
      })),
      syncs: h.syncs,
    })),
    hwdev: st.hwdev.map(cloneHwDevice),
    warnings: st.warnings.slice(),
    op_calls: { ...st.op_calls },
    armed_faults: st.armed_faults.slice(),
  };
}

export { kernelStateKey } from './state-key.js';
