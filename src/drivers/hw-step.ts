/**
 * hw_step(iommu): complete the next sync of a hardware entry update that is still in flight
 * (scenarios with `bounds.hw_steps`). Between two syncs a device's DMA sees the entry as it
 * stands, which is what the hitless-update rule is about.
 */
import type { KernelConfig, KernelState } from '../kernel/types.js';

export function hw_step(_cfg: KernelConfig, st: KernelState, iommu: number): number {
  const hw = st.hw[iommu];
  const next = hw.pending.shift();
  if (next === undefined) return 0;
  const h = st.hwdev[next.dev];
  if (next.ssid < 0) {
    h.rid = next.fields;
  } else {
    const slot = h.pasid_table?.find((e) => e.pasid === next.ssid);
    if (slot !== undefined) slot.entry = next.fields;
  }
  hw.syncs++;
  return 0;
}
