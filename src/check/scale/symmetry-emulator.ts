/**
 * An emulator state with its devices relabelled (spec/symmetry.ts): every per-device and
 * per-group array moves to the image index, and every field that names a device is rewritten.
 *
 * What names a device in KernelState, and what does not:
 *   groups[g], devices[d], hwdev[d]   move to p.group[g], p.dev[d];
 *   pasid_array handles, svas         "sva:<dev>:<mm>" handles and svas[].dev are rewritten
 *                                     (the svas list keeps its order: creation order);
 *   hw[].pending                      dev is rewritten; the list keeps its order;
 *   hardware entries                  the driver rewrites what names a device (IommuOps
 *                                     relabel_entry: SMMUv3's S1ContextPtr) in hwdev[].rid and in
 *                                     pending writes; VT-d, AMD, s390 and mock entries name none;
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
import { cloneKernelState } from '../../kernel/state.js';
import type { KernelConfig, KernelState } from '../../kernel/types.js';

/** `st` with device d relabelled p.dev[d] and group g relabelled p.group[g]; `st` is not changed. */
export function permuteKernelState(
  cfg: KernelConfig,
  st: KernelState,
  p: DevicePermutation,
): KernelState {
  const c = cloneKernelState(st);
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
    const relabel = cfg.ops[cfg.devices[di].iommu].relabel_entry;
    if (relabel) h.rid = relabel(h.rid, 'ste', p.dev);
    hwdev[p.dev[di]] = h;
  });
  for (const s of c.svas) {
    s.dev = p.dev[s.dev];
    s.name = permuteHandle(s.name, p);
  }
  c.hw.forEach((h, i) => {
    const relabel = cfg.ops[i].relabel_entry;
    for (const w of h.pending) {
      if (relabel) {
        w.fields = relabel(w.fields, w.kind, p.dev);
        w.old = relabel(w.old, w.kind, p.dev);
        w.target = relabel(w.target, w.kind, p.dev);
      }
      w.dev = p.dev[w.dev];
    }
  });
  return { ...c, groups, devices, hwdev };
}
