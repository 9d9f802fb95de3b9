/**
 * Shared virtual addressing: drivers/iommu/iommu-sva.c (newest generation: bonds carry a
 * refcount and a second bind of the same (group, mm) takes a reference). An mm's PASID is
 * global, allocated on first bind, and outlives every bond until mm_pasid_drop().
 */
import { IOMMU_DOMAIN_SVA, IOMMU_PASID_INVALID } from '../../spec/domain-types.js';
import { EBUSY, ENOMEM, ENOSPC, EOPNOTSUPP, EOVERFLOW } from '../../spec/errno.js';
import { should_fail } from './faults.js';
import {
  iommu_alloc_global_pasid,
  iommu_attach_device_pasid,
  iommu_detach_device_pasid,
  iommu_domain_free,
  iommu_free_global_pasid,
  pasidEntry,
} from './iommu.js';
import { dom } from './iommu-map.js';
import type { EntryPoints, KernelConfig, KernelState } from './types.js';
import { UNDEFINED } from './warn.js';

/**
 * iommu_alloc_mm_data(mm, dev): reuse the mm's PASID if it fits the device, else allocate a
 * global one.
 * Returns: 0, -EOVERFLOW (the mm's PASID is >= the device's max_pasids), -ENOSPC (no global
 * PASID). (-EBUSY for !arch_pgtable_dma_compat(mm) is not modelled: every mm is compatible.)
 * Mirrors: drivers/iommu/iommu-sva.c iommu_alloc_mm_data().
 */
function iommu_alloc_mm_data(cfg: KernelConfig, st: KernelState, mm: number, dev: number): number {
  const m = st.mms[mm];
  if (m.pasid !== IOMMU_PASID_INVALID) {
    if (m.pasid >= cfg.devices[dev].max_pasids) return -EOVERFLOW;
    return 0;
  }
  const other = st.mms.find((o) => o.pasid !== IOMMU_PASID_INVALID);
  const pasid =
    cfg.mutants.has('sva-pasid-of-other-mm') && other !== undefined
      ? other.pasid
      : iommu_alloc_global_pasid(cfg, st, dev);
  if (pasid === IOMMU_PASID_INVALID) return -ENOSPC;
  m.pasid = pasid;
  return 0;
}

/**
 * iommu_sva_bind_device(dev, mm), with the handle name the caller gives it:
 *   -EOVERFLOW / -ENOSPC  from iommu_alloc_mm_data();
 *   an existing bond at (group, mm PASID): -EBUSY if its domain is for another mm, else the
 *     same handle with one more reference;
 *   -EBUSY if the PASID holds a domain that is not an SVA bond (iommu_attach_handle_get);
 *   then each of the mm's SVA domains is tried, else a new one is allocated
 *   (-EOPNOTSUPP without domain_alloc_sva, -ENOMEM) and attached; its attach error is returned.
 * Returns: the handle name, or a negative errno.
 * Mirrors: drivers/iommu/iommu-sva.c iommu_sva_bind_device().
 */
export function iommu_sva_bind_device(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  mm: number,
  name: string,
): string | number {
  const group = cfg.devices[dev].group;
  let ret = iommu_alloc_mm_data(cfg, st, mm, dev);
  if (ret) return ret;
  const pasid = st.mms[mm].pasid;
  const entry = pasidEntry(st, group, pasid);
  if (entry !== undefined && entry.handle !== null) {
    const bond = st.svas.find((s) => s.name === entry.handle);
    if (bond === undefined || dom(st, entry.domain).type !== IOMMU_DOMAIN_SVA) return -EBUSY;
    if (dom(st, entry.domain).mm !== mm) return -EBUSY;
    bond.users++;
    return bond.name;
  }
  for (const d of st.mms[mm].sva_domains) {
    ret = iommu_attach_device_pasid(cfg, st, d, dev, pasid, name);
    if (!ret) {
      dom(st, d).users++;
      st.svas.push({ name, dev, domain: d, users: 1 });
      return name;
    }
  }
  const iommu = cfg.devices[dev].iommu;
  if (!cfg.ops[iommu].supports_sva) return -EOPNOTSUPP;
  if (should_fail(cfg, st, 'domain_alloc_paging')) return -ENOMEM;
  const id = allocSvaDomain(st, iommu, mm);
  ret = iommu_attach_device_pasid(cfg, st, id, dev, pasid, name);
  if (ret) {
    iommu_domain_free(cfg, st, id);
    return ret;
  }
  dom(st, id).users = 1;
  st.mms[mm].sva_domains.unshift(id);
  st.svas.push({ name, dev, domain: id, users: 1 });
  return name;
}

/** iommu_sva_domain_alloc(): ops->domain_alloc_sva, type SVA, domain->mm = mm. */
function allocSvaDomain(st: KernelState, iommu: number, mm: number): number {
  let id = st.domains.indexOf(null);
  if (id < 0) id = st.domains.length;
  st.domains[id] = {
    id,
    type: IOMMU_DOMAIN_SVA,
    iommu,
    is_static: false,
    alloc_pasid: false,
    pgtable: [],
    gather: [],
    cookie: null,
    mm,
    users: 0,
  };
  return id;
}

/**
 * iommu_sva_unbind_device(handle): drop a reference; at zero, detach the PASID and free the
 * domain when its last user goes. Returns nothing (0).
 * Mirrors: drivers/iommu/iommu-sva.c iommu_sva_unbind_device().
 */
export function iommu_sva_unbind_device(
  cfg: KernelConfig,
  st: KernelState,
  handle: string,
): number {
  const i = st.svas.findIndex((s) => s.name === handle);
  if (i < 0) {
    UNDEFINED(st, `iommu_sva_unbind_device: handle ${handle} is not bound (double free)`);
    return 0;
  }
  const bond = st.svas[i];
  if (--bond.users > 0) return 0;
  const d = dom(st, bond.domain);
  iommu_detach_device_pasid(cfg, st, bond.domain, bond.dev, st.mms[d.mm].pasid);
  st.svas.splice(i, 1);
  if (cfg.mutants.has('sva-unbind-skips-users') && d.users > 1) return 0;
  if (--d.users === 0 || cfg.mutants.has('sva-domain-freed-with-users')) {
    const list = st.mms[d.mm].sva_domains;
    list.splice(list.indexOf(d.id), 1);
    iommu_domain_free(cfg, st, d.id);
  }
  return 0;
}

/**
 * iommu_sva_get_pasid(handle): mm_get_enqcmd_pasid(domain->mm), the PASID ENQCMD submits.
 * Mirrors: drivers/iommu/iommu-sva.c iommu_sva_get_pasid().
 */
export function iommu_sva_get_pasid(_cfg: KernelConfig, st: KernelState, handle: string): number {
  const bond = st.svas.find((s) => s.name === handle);
  if (bond === undefined) {
    UNDEFINED(st, `iommu_sva_get_pasid: handle ${handle} is not bound (use after free)`);
    return IOMMU_PASID_INVALID;
  }
  return st.mms[dom(st, bond.domain).mm].pasid;
}

/**
 * mm_pasid_drop(mm): the mm is torn down: its global PASID is freed. The model's mm slot then
 * stands for a fresh process. Returns nothing (0).
 * Mirrors: kernel/fork.c __mmdrop -> drivers/iommu/iommu-sva.c mm_pasid_drop().
 */
export function mm_pasid_drop(cfg: KernelConfig, st: KernelState, mm: number): number {
  const m = st.mms[mm];
  if (m.pasid !== IOMMU_PASID_INVALID) iommu_free_global_pasid(cfg, st, m.pasid);
  m.pasid = IOMMU_PASID_INVALID;
  m.sva_domains = [];
  return 0;
}

/** The entry points this module mirrors (src/kernel/dispatch.ts joins the tables). */
export const IOMMU_SVA_C_ENTRY_POINTS = {
  iommu_sva_bind_device: (cfg, st, a) =>
    iommu_sva_bind_device(cfg, st, a.dev, a.mm, a.handle ?? `sva:${a.dev}:${a.mm}`),
  // The caller contract and the trace resolver always name a handle for these two.
  iommu_sva_unbind_device: (cfg, st, a) => iommu_sva_unbind_device(cfg, st, a.handle!),
  iommu_sva_get_pasid: (cfg, st, a) => iommu_sva_get_pasid(cfg, st, a.handle!),
  mm_pasid_drop: (cfg, st, a) => mm_pasid_drop(cfg, st, a.mm),
} satisfies Partial<EntryPoints>;
