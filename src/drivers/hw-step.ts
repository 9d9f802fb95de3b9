/**
 * hw_step(iommu): complete the next sync of a hardware entry update that is still in flight
 * (scenarios with `bounds.hw_steps`). Between two syncs a device's DMA sees the entry as it
 * stands, which is what the hitless-update rule is about. hw_complete_all() finishes every
 * update: a kernel call only returns once its syncs are done, so the next call starts from
 * quiescent hardware.
 */
import type { KernelConfig, KernelState, PendingHwWrite } from '../kernel/types.js';
import { writePasidSlot } from './table.js';

/**
 * Store the entry one sync leaves behind: the STE (ssid -1) or the per-PASID entry. A context
 * descriptor that ends all-zero (arm_smmu_clear_cd) leaves its slot, so that a cleared CD table
 * looks the same as one never written.
 */
export function hw_apply_write(st: KernelState, w: PendingHwWrite): void {
  const h = st.hwdev[w.dev];
  if (w.ssid < 0) {
    h.rid = w.fields.slice();
    return;
  }
  const cleared = w.kind === 'cd' && w.fields.every((v) => v === 0);
  writePasidSlot(st, w.dev, w.ssid, cleared ? null : w.fields.slice());
}

export function hw_step(_cfg: KernelConfig, st: KernelState, iommu: number): number {
  const hw = st.hw[iommu];
  const next = hw.pending.shift();
  if (next === undefined) return 0;
  hw_apply_write(st, next);
  hw.syncs++;
  return 0;
}

/** Run every pending sync of every IOMMU, in order. */
export function hw_complete_all(st: KernelState): void {
  for (const hw of st.hw) {
    while (hw.pending.length > 0) {
      const next = hw.pending.shift()!;
      hw_apply_write(st, next);
      hw.syncs++;
    }
  }
}
