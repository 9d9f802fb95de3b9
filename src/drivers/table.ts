/**
 * A plain translation-table entry, the shape shared by the VT-d context/PASID entries, the AMD
 * DTE/GCR3 slots, the s390 IOAT and the mock's table: [kind, domain]. Each driver decides what it
 * writes; the walk reads only these entries, never the core's bookkeeping.
 */
import type { HwDevice, HwRoute, KernelState, PasidTableEntry } from '../kernel/types.js';

export const ENTRY_ABORT = 0;
export const ENTRY_BYPASS = 1;
export const ENTRY_TRANSLATE = 2;

export function abortEntry(): number[] {
  return [ENTRY_ABORT, -1];
}
export function bypassEntry(): number[] {
  return [ENTRY_BYPASS, -1];
}
export function translateEntry(domain: number): number[] {
  return [ENTRY_TRANSLATE, domain];
}

export function entryRoute(e: readonly number[] | undefined): HwRoute {
  if (e === undefined || e.length === 0 || e[0] === ENTRY_ABORT) return { kind: 'abort' };
  if (e[0] === ENTRY_BYPASS) return { kind: 'bypass' };
  return { kind: 'translate', domain: e[1] };
}

export function pasidSlot(h: HwDevice, pasid: number): PasidTableEntry | undefined {
  return h.pasid_table?.find((e) => e.pasid === pasid);
}

/** Write (or with null, clear) the per-PASID entry, keeping the table sorted. */
export function writePasidSlot(
  st: KernelState,
  dev: number,
  pasid: number,
  entry: number[] | null,
): void {
  const h = st.hwdev[dev];
  const table = h.pasid_table ?? [];
  const i = table.findIndex((e) => e.pasid === pasid);
  if (entry === null) {
    if (i >= 0) table.splice(i, 1);
  } else if (i >= 0) {
    table[i].entry = entry;
  } else {
    let j = 0;
    while (j < table.length && table[j].pasid < pasid) j++;
    table.splice(j, 0, { pasid, entry });
  }
  h.pasid_table = table.length > 0 ? table : null;
}
