/**
 * An emulator state with its devices relabelled (spec/symmetry.ts): every per-device and
 * per-group array moves to the image index, and every field that names a device is rewritten.
 *
 * What names a device in KernelState, and what does not:
 *   groups[g], devices[d], hwdev[d]   move to p.group[g], p.dev[d];
 *   pasid_array handles, svas         "sva:<dev>:<mm>" handles and svas[].dev are rewritten
 *                                     (the svas list keeps its order: creation order);
 *   hw[].pending                      dev is rewritten; the list keeps its order;
 *   SMMUv3 STEs                       S1ContextPtr is the master's CD table address,
 *                                     arm_smmu_cdtab_dma(dev): rewritten in hwdev[].rid and in
 *                                     pending STE writes. CDs carry ASID/TTB0 (domain ids) only;
 *   VT-d, AMD, s390, mock entries     [kind, domain]: no device in them;
 *   domains, IOTLB, IOVA domains      tagged by domain id, never by device: unchanged. Domain ids
 *                                     are not relabelled (the allocator takes the lowest free
 *                                     id, and a freed id may carry stale IOTLB entries, so ids
 *                                     are not interchangeable names);
 *   mms, global_pasids, driver_pasids, warnings, op_calls, armed_faults   name no device.
 * Physical addresses: buffers are global; the only per-device page is a require_direct device's
 * IOMMU_RESV_DIRECT page, and the scenario rule keeps such devices out of classes.
 */
import type { DevicePermutation } from '../../../spec/symmetry.js';
import { permuteHandle } from '../../../spec/symmetry.js';
import { STE } from '../../drivers/arm-smmu-v3/entry.js';
import { arm_smmu_cdtab_dma } from '../../drivers/arm-smmu-v3/index.js';
import { cloneKernelState } from '../../kernel/state.js';
import type { KernelConfig, KernelState } from '../../kernel/types.js';

/** An STE with its CD table pointer moved to the image master's table. */
function permuteSte(ste: number[], p: DevicePermutation): number[] {
  const ptr = ste[STE.S1CTXPTR];
  if (ptr === undefined || ptr % 0x1000 !== 0) return ste;
  const d = ptr / 0x1000 - 1;
  if (d < 0 || d >= p.dev.length || arm_smmu_cdtab_dma(d) !== ptr) return ste;
  const out = ste.slice();
  out[STE.S1CTXPTR] = arm_smmu_cdtab_dma(p.dev[d]);
  return out;
}

/** `st` with device d relabelled p.dev[d] and group g relabelled p.group[g]; `st` is not changed. */
export function permuteKernelState(
  cfg: KernelConfig,
  st: KernelState,
  p: DevicePermutation,
): KernelState {
  const c = cloneKernelState(st);
  const smmu = cfg.iommus.map((m) => m.driver === 'arm-smmu-v3');
  const groups = c.groups.slice();
  c.groups.forEach((g, gi) => {
    for (const e of g.pasid_array) if (e.handle !== null) e.handle = permuteHandle(e.handle, p);
    groups[p.group[gi]] = g;
  });
  const devices = c.devices.slice();
  const hwdev = c.hwdev.slice();
  c.devices.forEach((d, di) => {
    devices[p.dev[di]] = d;
    const h = c.hwdev[di];
    if (smmu[cfg.devices[di].iommu]) h.rid = permuteSte(h.rid, p);
    hwdev[p.dev[di]] = h;
  });
  for (const s of c.svas) {
    s.dev = p.dev[s.dev];
    s.name = permuteHandle(s.name, p);
  }
  c.hw.forEach((h, i) => {
    for (const w of h.pending) {
      if (smmu[i] && w.kind === 'ste') {
        w.fields = permuteSte(w.fields, p);
        w.old = permuteSte(w.old, p);
        w.target = permuteSte(w.target, p);
      }
      w.dev = p.dev[w.dev];
    }
  });
  return { ...c, groups, devices, hwdev };
}
