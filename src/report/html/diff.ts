/**
 * What changed between two snapshots (src/check/core/snapshots.ts), as the keys of the rows the
 * stepper draws: a row's key is the same in every step, so the page can highlight it. A key is
 * prefixed with "+" when the row appeared and "-" when it went away.
 */
import type { StateSnapshot } from '../../check/core/snapshots.js';

/** The rows of a snapshot, by the key the page gives each (data-key). */
export function snapshotRows(s: StateSnapshot): Map<string, string> {
  const rows = new Map<string, string>();
  const put = (k: string, v: unknown): void => {
    rows.set(k, JSON.stringify(v));
  };
  const view = s.spec ?? s.emulator;
  view.groups.forEach((g, i) => {
    put(`group:${i}:default`, g.default_type);
    put(`group:${i}:domain`, g.domain);
    put(`group:${i}:owner`, [g.owner, g.owner_cnt]);
    for (const [pasid, d] of g.pasids) put(`group:${i}:pasid:${pasid}`, d);
  });
  view.devices.forEach((d, i) => {
    put(`spec-device:${i}`, d);
  });
  view.mms.forEach((m, i) => {
    put(`mm:${i}`, m);
  });
  put('user-domains', view.user_domains);
  put('driver-pasids', view.driver_pasids);
  s.devices.forEach((d, i) => {
    put(`dev:${i}:rid`, d.rid.text);
    for (const p of d.pasidTable) put(`dev:${i}:pasid:${p.pasid}`, p.entry.text);
    for (const r of d.routes) put(`dev:${i}:route:${r.pasid ?? 'rid'}`, r.route);
  });
  s.iommus.forEach((m, i) => {
    for (const e of m.iotlb) put(`iotlb:${i}:${e.tag}:${e.iova_pfn}`, [e.domain, e.paddr_pfn]);
    put(`iommu:${i}:pending`, m.pending);
  });
  for (const d of s.domains) {
    put(`domain:${d.id}`, [d.name, d.type, d.iommu]);
    put(`domain:${d.id}:map`, d.mappings);
    put(`domain:${d.id}:iova`, [d.iova, d.rcached]);
    put(`domain:${d.id}:gather`, d.gather);
    if (d.fq !== null) put(`domain:${d.id}:fq`, d.fq);
  }
  put('global-pasids', s.globalPasids);
  s.warnings.forEach((w, i) => {
    put(`warning:${i}`, w);
  });
  return rows;
}

/** The keys of the rows that differ from `before` to `after` ("+key" added, "-key" removed). */
export function changedKeys(before: StateSnapshot, after: StateSnapshot): string[] {
  const a = snapshotRows(before);
  const b = snapshotRows(after);
  const out: string[] = [];
  for (const [k, v] of b) {
    const old = a.get(k);
    if (old === undefined) out.push(`+${k}`);
    else if (old !== v) out.push(k);
  }
  for (const k of a.keys()) if (!b.has(k)) out.push(`-${k}`);
  return out;
}
