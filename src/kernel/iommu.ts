/**
 * The IOMMU core: drivers/iommu/iommu.c. Domains, default-domain selection and changes,
 * attach/detach, DMA ownership and PASID attach, returning what the kernel returns in the
 * kernel's check order (newest unless the scenario's revision says otherwise; see
 * docs/kernel/01-domain-types.md §1 to docs/kernel/06-pasid.md §6).
 *
 * Every function mutates the state it is given; the checker hands it a clone.
 */
import {
  __IOMMU_DOMAIN_PAGING,
  domainTypeSysfsName,
  IOMMU_DOMAIN_ALLOC_FLAGS,
  IOMMU_DOMAIN_BLOCKED,
  IOMMU_DOMAIN_DMA,
  IOMMU_DOMAIN_DMA_FQ,
  IOMMU_DOMAIN_IDENTITY,
  IOMMU_DOMAIN_UNMANAGED,
  IOMMU_FIRST_GLOBAL_PASID,
  IOMMU_NO_PASID,
  IOMMU_PASID_INVALID,
  iommu_is_dma_domain,
} from '../../spec/domain-types.js';
import { EBUSY, EINVAL, ENOMEM, EOPNOTSUPP, EPERM, EPROBE_DEFER } from '../../spec/errno.js';
import {
  iommu_dma_init_fq_domain,
  iommu_get_dma_cookie,
  iommu_put_dma_cookie,
  iommu_setup_dma_ops,
} from './dma-iommu.js';
import { should_fail } from './faults.js';
import { dom, iommuMapPfns, iovaToPhysPfn } from './iommu-map.js';
import {
  type EntryPoints,
  type KernelConfig,
  type KernelState,
  NO_DOMAIN,
  type PasidEntry,
} from './types.js';
import { WARN_ON } from './warn.js';

/** __iommu_group_set_domain_internal() flag. */
const IOMMU_SET_DOMAIN_MUST_SUCCEED = 1;
/** IOMMU_HWPT_ALLOC_PASID (include/uapi/linux/iommufd.h). */
export const IOMMU_HWPT_ALLOC_PASID = 1 << 3;

/* ------------------------------------------------------------------------------------------ */
/* Small accessors                                                                             */
/* ------------------------------------------------------------------------------------------ */

function groupOf(cfg: KernelConfig, dev: number): number {
  return cfg.devices[dev].group;
}

/** The static identity or blocked domain of an IOMMU instance, or NO_DOMAIN. */
export function staticDomain(st: KernelState, iommu: number, type: number): number {
  for (const d of st.domains) if (d?.is_static && d.iommu === iommu && d.type === type) return d.id;
  return NO_DOMAIN;
}

function allocDomainSlot(st: KernelState): number {
  const free = st.domains.indexOf(null);
  return free >= 0 ? free : st.domains.length;
}

function newDomain(
  st: KernelState,
  type: number,
  iommu: number,
  isStatic: boolean,
  allocPasid: boolean,
): number {
  const id = allocDomainSlot(st);
  st.domains[id] = {
    id,
    type,
    iommu,
    is_static: isStatic,
    alloc_pasid: allocPasid,
    pgtable: [],
    gather: [],
    cookie: null,
    mm: -1,
    users: 0,
  };
  return id;
}

/** xa_load(&group->pasid_array, pasid) */
export function pasidEntry(st: KernelState, group: number, pasid: number): PasidEntry | undefined {
  return st.groups[group].pasid_array.find((e) => e.pasid === pasid);
}

function pasidArrayInsert(st: KernelState, group: number, entry: PasidEntry): void {
  const arr = st.groups[group].pasid_array;
  let i = 0;
  while (i < arr.length && arr[i].pasid < entry.pasid) i++;
  arr.splice(i, 0, entry);
}

function pasidArrayErase(st: KernelState, group: number, pasid: number): void {
  const arr = st.groups[group].pasid_array;
  const i = arr.findIndex((e) => e.pasid === pasid);
  if (i >= 0) arr.splice(i, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* Boot: iommu_subsys_init and bus_iommu_probe                                                 */
/* ------------------------------------------------------------------------------------------ */

/**
 * iommu_set_dma_strict(): a driver forces strict mode; a DMA_FQ global default becomes DMA.
 * Mirrors: drivers/iommu/iommu.c iommu_set_dma_strict().
 */
export function iommu_set_dma_strict(st: KernelState): void {
  st.iommu_dma_strict = true;
  if (st.iommu_def_domain_type === IOMMU_DOMAIN_DMA_FQ) st.iommu_def_domain_type = IOMMU_DOMAIN_DMA;
}

/**
 * iommu_subsys_init() with the early params iommu.passthrough= and iommu.strict=, then
 * bus_iommu_probe(): the static domains of each driver, and iommu_setup_default_domain(group, 0)
 * once per group (all members visited before the type is chosen), then iommu_setup_dma_ops().
 * Mirrors: drivers/iommu/iommu.c iommu_subsys_init(), bus_iommu_probe(), __iommu_probe_device().
 */
export function iommu_boot(cfg: KernelConfig, st: KernelState): void {
  const k = cfg.scenario.kernel;
  const cmdlinePassthrough = k['iommu.passthrough'];
  let passthrough: boolean;
  if (cmdlinePassthrough !== undefined) {
    passthrough = cmdlinePassthrough;
  } else {
    passthrough = k.CONFIG_IOMMU_DEFAULT_PASSTHROUGH;
    // "Memory encryption detected - Disabling default IOMMU Passthrough"
    if (passthrough && k.CC_ATTR_MEM_ENCRYPT) passthrough = false;
  }
  st.iommu_dma_strict = k['iommu.strict'] ?? k.CONFIG_IOMMU_DEFAULT_DMA_STRICT;
  st.iommu_def_domain_type = passthrough ? IOMMU_DOMAIN_IDENTITY : IOMMU_DOMAIN_DMA;
  if (!passthrough && !st.iommu_dma_strict) st.iommu_def_domain_type = IOMMU_DOMAIN_DMA_FQ;
  for (const m of cfg.iommus) cfg.ops[m.index].init?.(cfg, st, m.index);

  for (const m of cfg.iommus) {
    const ops = cfg.ops[m.index];
    if (ops.has_identity_domain(cfg, m.index))
      newDomain(st, IOMMU_DOMAIN_IDENTITY, m.index, true, false);
    if (ops.has_blocked_domain) newDomain(st, IOMMU_DOMAIN_BLOCKED, m.index, true, false);
  }
  for (const g of cfg.groups) {
    iommu_setup_default_domain(cfg, st, g.index, 0);
    for (const d of g.devices) iommu_setup_dma_ops(cfg, st, d);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Domain allocation and freeing                                                               */
/* ------------------------------------------------------------------------------------------ */

/**
 * __iommu_domain_alloc(): static identity/blocked domains, else the driver's
 * domain_alloc_paging(_flags). DMA_FQ is masked off (IOMMU_DOMAIN_ALLOC_FLAGS) before the driver
 * sees it; DMA-API domains get their cookie here.
 * Returns: the domain id, or -EOPNOTSUPP (no way to allocate this type), -ENOMEM (driver failed).
 * Mirrors: drivers/iommu/iommu.c __iommu_domain_alloc().
 */
export function __iommu_domain_alloc(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  type: number,
  flags: number,
): number {
  const iommu = cfg.devices[dev].iommu;
  const ops = cfg.ops[iommu];
  const alloc_type = type & IOMMU_DOMAIN_ALLOC_FLAGS;
  if (alloc_type === IOMMU_DOMAIN_IDENTITY && ops.has_identity_domain(cfg, iommu)) {
    return staticDomain(st, iommu, IOMMU_DOMAIN_IDENTITY);
  }
  if (alloc_type === IOMMU_DOMAIN_BLOCKED && ops.has_blocked_domain) {
    return staticDomain(st, iommu, IOMMU_DOMAIN_BLOCKED);
  }
  if (!(type & __IOMMU_DOMAIN_PAGING)) return -EOPNOTSUPP;
  if (flags & IOMMU_HWPT_ALLOC_PASID && !ops.supports_alloc_pasid(cfg, dev)) return -EOPNOTSUPP;
  if (should_fail(cfg, st, 'domain_alloc_paging')) return -ENOMEM;
  const id = newDomain(st, type, iommu, false, (flags & IOMMU_HWPT_ALLOC_PASID) !== 0);
  if (iommu_is_dma_domain(type)) iommu_get_dma_cookie(cfg, st, id, dev);
  return id;
}

/**
 * iommu_paging_domain_alloc(dev): an UNMANAGED paging domain for an IOMMU-API user.
 * Returns: the domain id, or -ENODEV (no IOMMU), -EOPNOTSUPP, -ENOMEM.
 * Mirrors: drivers/iommu/iommu.c iommu_paging_domain_alloc() -> __iommu_paging_domain_alloc_flags().
 */
export function iommu_paging_domain_alloc(cfg: KernelConfig, st: KernelState, dev: number): number {
  return __iommu_domain_alloc(cfg, st, dev, IOMMU_DOMAIN_UNMANAGED, 0);
}

/**
 * iommu_domain_free(domain): drops the SVA mm, puts the DMA cookie and calls ops->free.
 * Static domains have no free op. Returns nothing (0).
 * Mirrors: drivers/iommu/iommu.c iommu_domain_free().
 */
export function iommu_domain_free(cfg: KernelConfig, st: KernelState, domain: number): number {
  const d = dom(st, domain);
  if (d.is_static) return 0;
  iommu_put_dma_cookie(d);
  cfg.ops[d.iommu].domain_free(cfg, st, domain);
  st.domains[domain] = null;
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Default-domain selection                                                                    */
/* ------------------------------------------------------------------------------------------ */

/**
 * iommu_get_def_domain_type(): fold one device's driver preference into cur_type. A conflict
 * is logged ("requesting conflicting def_domain_type") and IDENTITY wins.
 * Mirrors: drivers/iommu/iommu.c iommu_get_def_domain_type().
 */
export function iommu_get_def_domain_type(
  cfg: KernelConfig,
  group: number,
  dev: number,
  cur_type: number,
): number {
  const ops = cfg.ops[cfg.groups[group].iommu];
  const type = ops.def_domain_type(cfg, dev);
  if (!type || cur_type === type) return cur_type;
  if (!cur_type) return type;
  if (type === IOMMU_DOMAIN_IDENTITY) return type;
  return cur_type;
}

/**
 * iommu_get_default_domain_type(group, target_type): the driver preference folded across the
 * group, then the overrides: no CONFIG_IOMMU_DMA forces IDENTITY (a DMA request WARNs),
 * untrusted devices force DMA (refusing any other driver type), an explicit target must agree.
 * Returns: the type, 0 for "use the global default", or -1 for "no legal type".
 * Mirrors: drivers/iommu/iommu.c iommu_get_default_domain_type().
 */
export function iommu_get_default_domain_type(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  target_type: number,
): number {
  let driver_type = 0;
  let untrusted = false;
  for (const dev of cfg.groups[group].devices) {
    driver_type = iommu_get_def_domain_type(cfg, group, dev, driver_type);
    if (cfg.devices[dev].pci && cfg.devices[dev].untrusted) untrusted = true;
  }
  if (!cfg.scenario.kernel.CONFIG_IOMMU_DMA) {
    if (
      WARN_ON(
        st,
        driver_type === IOMMU_DOMAIN_DMA,
        'iommu_get_default_domain_type: driver_type == IOMMU_DOMAIN_DMA without CONFIG_IOMMU_DMA',
      )
    )
      return -1;
    if (!driver_type) driver_type = IOMMU_DOMAIN_IDENTITY;
  }
  if (untrusted && !cfg.mutants.has('untrusted-identity')) {
    if (driver_type && driver_type !== IOMMU_DOMAIN_DMA) return -1; // "refusing to probe"
    if (!cfg.mutants.has('untrusted-lazy-default')) driver_type = IOMMU_DOMAIN_DMA;
  }
  if (target_type) {
    if (driver_type && target_type !== driver_type) return -1;
    return target_type;
  }
  // Design variant (debate 002, the core tweak floated in the s390 thread): a DMA request is
  // promoted to DMA_FQ when not strict, whoever asked for DMA.
  if (
    cfg.variant.has('core-promote-dma-fq') &&
    driver_type === IOMMU_DOMAIN_DMA &&
    !st.iommu_dma_strict
  ) {
    return IOMMU_DOMAIN_DMA_FQ;
  }
  return driver_type;
}

/**
 * __iommu_group_alloc_default_domain(): the current default domain when it already has the type;
 * a paging domain PASID-capable (IOMMU_HWPT_ALLOC_PASID) when the first device has max_pasids,
 * retried without the flag when the driver answers -EOPNOTSUPP; else the identity domain.
 * Mirrors: drivers/iommu/iommu.c __iommu_group_alloc_default_domain().
 */
function __iommu_group_alloc_default_domain(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  req_type: number,
): number {
  const g = st.groups[group];
  if (g.default_domain !== NO_DOMAIN && dom(st, g.default_domain).type === req_type)
    return g.default_domain;
  const dev = cfg.groups[group].devices[0];
  if (req_type & __IOMMU_DOMAIN_PAGING) {
    const flags = cfg.devices[dev].max_pasids ? IOMMU_HWPT_ALLOC_PASID : 0;
    const d = __iommu_domain_alloc(cfg, st, dev, req_type, flags);
    if (d === -EOPNOTSUPP && flags) return __iommu_domain_alloc(cfg, st, dev, req_type, 0);
    return d;
  }
  return __iommu_domain_alloc(cfg, st, dev, req_type, 0);
}

/**
 * iommu_group_alloc_default_domain(): an explicit type is allocated exactly; with no guidance
 * the global default is tried, and IDENTITY or DMA_FQ fall back to DMA
 * ("Failed to allocate default IOMMU domain ... Falling back to IOMMU_DOMAIN_DMA").
 * Returns: the domain id, or -EINVAL (the global default was already DMA), or the allocation error.
 * Mirrors: drivers/iommu/iommu.c iommu_group_alloc_default_domain().
 */
export function iommu_group_alloc_default_domain(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  req_type: number,
): number {
  if (req_type) return __iommu_group_alloc_default_domain(cfg, st, group, req_type);
  const dom1 = __iommu_group_alloc_default_domain(cfg, st, group, st.iommu_def_domain_type);
  if (dom1 >= 0) return dom1;
  if (st.iommu_def_domain_type === IOMMU_DOMAIN_DMA) return -EINVAL;
  return __iommu_group_alloc_default_domain(cfg, st, group, IOMMU_DOMAIN_DMA);
}

/**
 * iommu_create_device_direct_mappings(): map the device's IOMMU_RESV_DIRECT region 1:1 in a
 * DMA-API domain, skipping what is already mapped.
 * Returns: 0, or the iommu_map() error.
 * Mirrors: drivers/iommu/iommu.c iommu_create_device_direct_mappings().
 */
export function iommu_create_device_direct_mappings(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
): number {
  const info = cfg.devices[dev];
  if (!info.require_direct || !iommu_is_dma_domain(dom(st, domain).type)) return 0;
  if (cfg.mutants.has('direct-mappings-skipped')) return 0;
  if (iovaToPhysPfn(st, domain, info.direct_pfn) !== 0) return 0;
  return iommuMapPfns(cfg, st, domain, info.direct_pfn, info.direct_pfn, 1);
}

/**
 * iommu_setup_default_domain(group, target_type): choose, allocate and install the default
 * domain; the old one is freed only after the group has moved.
 * Returns: 0, -EINVAL (no legal type), the allocation error, or the attach error (the old
 * default domain is restored).
 * Mirrors: drivers/iommu/iommu.c iommu_setup_default_domain().
 */
export function iommu_setup_default_domain(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  target_type: number,
): number {
  const g = st.groups[group];
  const old_dom = g.default_domain;
  const req_type = iommu_get_default_domain_type(cfg, st, group, target_type);
  if (req_type < 0) return -EINVAL;
  const newDom = iommu_group_alloc_default_domain(cfg, st, group, req_type);
  if (newDom < 0) return newDom;
  if (g.default_domain === newDom) return 0;

  let direct_failed = false;
  for (const dev of cfg.groups[group].devices) {
    if (iommu_create_device_direct_mappings(cfg, st, newDom, dev)) direct_failed = true;
  }
  g.default_domain = newDom;
  let ret: number;
  if (g.domain === NO_DOMAIN) {
    ret = __iommu_group_set_domain_internal(cfg, st, group, newDom, IOMMU_SET_DOMAIN_MUST_SUCCEED);
    if (WARN_ON(st, ret !== 0, 'iommu_setup_default_domain: first attach failed')) {
      if (old_dom !== NO_DOMAIN) iommu_domain_free(cfg, st, old_dom);
      return ret;
    }
  } else {
    ret = __iommu_group_set_domain_internal(cfg, st, group, newDom, 0);
    if (ret) {
      if (old_dom !== NO_DOMAIN) {
        iommu_domain_free(cfg, st, newDom);
        g.default_domain = old_dom;
      }
      return ret;
    }
  }
  if (direct_failed) {
    for (const dev of cfg.groups[group].devices) {
      ret = iommu_create_device_direct_mappings(cfg, st, newDom, dev);
      if (ret) {
        if (old_dom !== NO_DOMAIN) {
          __iommu_group_set_domain_internal(cfg, st, group, old_dom, IOMMU_SET_DOMAIN_MUST_SUCCEED);
          iommu_domain_free(cfg, st, newDom);
          g.default_domain = old_dom;
        }
        return ret;
      }
    }
  }
  if (old_dom !== NO_DOMAIN) iommu_domain_free(cfg, st, old_dom);
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* sysfs: /sys/kernel/iommu_groups/N/type                                                      */
/* ------------------------------------------------------------------------------------------ */

/** lib/string.c: sysfs_streq(): equal, ignoring one trailing newline on either side. */
export function sysfs_streq(a: string, b: string): boolean {
  // A C string ends at its first NUL; then one trailing newline is ignored.
  const strip = (s: string) => {
    const nul = s.indexOf('\0');
    const c = nul >= 0 ? s.slice(0, nul) : s;
    return c.endsWith('\n') ? c.slice(0, -1) : c;
  };
  return strip(a) === strip(b);
}

function parseSysfsType(buf: string): number | undefined {
  if (sysfs_streq(buf, 'identity')) return IOMMU_DOMAIN_IDENTITY;
  if (sysfs_streq(buf, 'DMA')) return IOMMU_DOMAIN_DMA;
  if (sysfs_streq(buf, 'DMA-FQ')) return IOMMU_DOMAIN_DMA_FQ;
  if (sysfs_streq(buf, 'auto')) return 0;
  return undefined;
}

/**
 * iommu_group_show_type(): the printed default-domain type, with the kernel's newline.
 * Returns: "blocked\n", "identity\n", "unmanaged\n", "DMA\n", "DMA-FQ\n" or "unknown\n".
 * Mirrors: drivers/iommu/iommu.c iommu_group_show_type().
 */
export function iommu_group_show_type(_cfg: KernelConfig, st: KernelState, group: number): string {
  const g = st.groups[group];
  if (g.default_domain === NO_DOMAIN) return 'unknown\n';
  return `${domainTypeSysfsName(dom(st, g.default_domain).type)}\n`;
}

/**
 * iommu_group_store_type(group, buf, count), newest rules (docs/kernel/04-sysfs-type.md §4.1):
 *   -EINVAL  no default domain; an unknown string ("blocked", "unmanaged", anything else);
 *   (live)   "DMA-FQ" on a DMA default domain: iommu_dma_init_fq() and the type flips, with
 *            drivers bound, mappings kept; its error is returned;
 *   -EPERM   the group has devices bound or owned (owner_cnt != 0), for every other change;
 *   then iommu_setup_default_domain()'s errors, and iommu_setup_dma_ops() on every device.
 * v6.3 (iommu_change_dev_def_domain, docs/kernel/04-sysfs-type.md §4.3): -EINVAL for a
 * multi-device group, -EBUSY with a driver bound (except the live upgrade), -EBUSY off the default domain, -EINVAL against the
 * driver's def_domain_type; requesting the current type is a no-op.
 * Returns: count (the bytes written) on success, else a negative errno.
 * Mirrors: drivers/iommu/iommu.c iommu_group_store_type().
 */
export function iommu_group_store_type(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  buf: string,
): number {
  const count = buf.length;
  const g = st.groups[group];
  if (g.default_domain === NO_DOMAIN) return -EINVAL;
  const req_type = parseSysfsType(buf);
  if (req_type === undefined) return -EINVAL;
  if (cfg.revision === 'v6.3') return store_type_v6_3(cfg, st, group, req_type, count);

  const def = dom(st, g.default_domain);
  if (req_type === IOMMU_DOMAIN_DMA_FQ && def.type === IOMMU_DOMAIN_DMA) {
    // Design variant (docs/findings/untrusted-fq-upgrade.md, the proposed fix): the live upgrade
    // obeys the rules a DMA-FQ default gets at probe: never for an untrusted device
    // (iommu_get_default_domain_type: -EINVAL as for "identity"), and without
    // IOMMU_CAP_DEFERRED_FLUSH the domain stays strict DMA (iommu_dma_init_domain's fallback).
    if (cfg.variant.has('sysfs-fq-upgrade-checked')) {
      for (const dev of cfg.groups[group].devices) {
        if (cfg.devices[dev].pci && cfg.devices[dev].untrusted) return -EINVAL;
        if (!cfg.ops[cfg.devices[dev].iommu].capable(cfg, dev, 'IOMMU_CAP_DEFERRED_FLUSH'))
          return count;
      }
    }
    const ret = cfg.mutants.has('sysfs-fq-without-queue')
      ? 0
      : iommu_dma_init_fq_domain(cfg, st, g.default_domain);
    if (ret) return ret;
    def.type = IOMMU_DOMAIN_DMA_FQ;
    return count;
  }
  const bound = cfg.mutants.has('sysfs-type-with-driver-bound')
    ? g.owner !== null
    : g.owner_cnt !== 0;
  if (cfg.groups[group].devices.length === 0 || bound) return -EPERM;
  const ret = iommu_setup_default_domain(cfg, st, group, req_type);
  if (ret) return ret;
  for (const dev of cfg.groups[group].devices) iommu_setup_dma_ops(cfg, st, dev);
  return count;
}

/** v6.3: iommu_group_store_type() and iommu_change_dev_def_domain(). */
function store_type_v6_3(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  type: number,
  count: number,
): number {
  const g = st.groups[group];
  const devs = cfg.groups[group].devices;
  if (devs.length !== 1) return -EINVAL; // "Group has more than one device"
  const dev = devs[0];
  const def = dom(st, g.default_domain);
  const upgrade = type === IOMMU_DOMAIN_DMA_FQ && def.type === IOMMU_DOMAIN_DMA;
  if (st.devices[dev].driver_bound && !upgrade) return -EBUSY; // "Device is still bound to driver"
  if (g.default_domain !== g.domain) return -EBUSY; // "Group not assigned to default domain"
  // v6.3 iommu_get_def_domain_type(): untrusted PCI devices get DMA before the driver is asked.
  const info = cfg.devices[dev];
  const dev_def_dom =
    info.pci && info.untrusted
      ? IOMMU_DOMAIN_DMA
      : cfg.ops[cfg.groups[group].iommu].def_domain_type(cfg, dev);
  if (!type) type = dev_def_dom || st.iommu_def_domain_type;
  else if (dev_def_dom && type !== dev_def_dom) return -EINVAL; // "Device cannot be in %s domain"
  if (def.type === type) return count;
  if (upgrade) {
    const ret = iommu_dma_init_fq_domain(cfg, st, g.default_domain);
    if (ret) return ret;
    def.type = IOMMU_DOMAIN_DMA_FQ;
    return count;
  }
  const prev = g.default_domain;
  const newDom = __iommu_group_alloc_default_domain(cfg, st, group, type);
  if (newDom < 0) return newDom;
  g.default_domain = newDom;
  let ret = iommu_create_device_direct_mappings(cfg, st, newDom, dev);
  if (!ret) ret = __iommu_attach_device(cfg, st, newDom, dev);
  if (ret) {
    iommu_domain_free(cfg, st, newDom);
    g.default_domain = prev;
    g.domain = prev;
    return ret;
  }
  g.domain = newDom;
  iommu_setup_dma_ops(cfg, st, dev); // iommu_group_do_probe_finalize
  iommu_domain_free(cfg, st, prev);
  return count;
}

/* ------------------------------------------------------------------------------------------ */
/* Setting the group's RID domain                                                              */
/* ------------------------------------------------------------------------------------------ */

/**
 * __iommu_attach_device(): domain->ops->attach_dev.
 * Returns: 0 or the driver's error (fault injection: 'attach_dev').
 * Mirrors: drivers/iommu/iommu.c __iommu_attach_device().
 */
function __iommu_attach_device(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
): number {
  if (should_fail(cfg, st, 'attach_dev')) return -ENOMEM;
  return cfg.ops[dom(st, domain).iommu].attach_dev(cfg, st, domain, dev);
}

/**
 * __iommu_device_set_domain(): a require_direct device never goes to a blocking domain
 * ("Firmware has requested this device have a 1:1 IOMMU mapping"). On failure with
 * MUST_SUCCEED the blocking domain is tried to avoid a use-after-free.
 * Returns: 0, -EINVAL (require_direct), or the attach error.
 * Mirrors: drivers/iommu/iommu.c __iommu_device_set_domain().
 */
function __iommu_device_set_domain(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  dev: number,
  new_domain: number,
  flags: number,
): number {
  const g = st.groups[group];
  if (
    cfg.devices[dev].require_direct &&
    !cfg.mutants.has('require-direct-blocked') &&
    (dom(st, new_domain).type === IOMMU_DOMAIN_BLOCKED || new_domain === g.blocking_domain)
  ) {
    return -EINVAL;
  }
  const ret = __iommu_attach_device(cfg, st, new_domain, dev);
  if (ret) {
    if (
      flags & IOMMU_SET_DOMAIN_MUST_SUCCEED &&
      g.blocking_domain !== NO_DOMAIN &&
      g.blocking_domain !== new_domain
    ) {
      __iommu_attach_device(cfg, st, g.blocking_domain, dev);
    }
    return ret;
  }
  return 0;
}

/**
 * __iommu_group_set_domain_internal(): attach every member in turn. "DMA must only be able to
 * access either new_domain or group->domain, never something else." On failure without
 * MUST_SUCCEED every device handled so far is put back on group->domain (WARN if that fails).
 * Returns: 0 (also when new_domain is already current), -EINVAL (NULL domain, WARN), or the
 * first attach error.
 * Mirrors: drivers/iommu/iommu.c __iommu_group_set_domain_internal().
 */
export function __iommu_group_set_domain_internal(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  new_domain: number,
  flags: number,
): number {
  const g = st.groups[group];
  if (g.domain === new_domain) return 0;
  if (WARN_ON(st, new_domain === NO_DOMAIN, '__iommu_group_set_domain_internal: !new_domain'))
    return -EINVAL;
  const devs = cfg.groups[group].devices;
  let result = 0;
  for (let i = 0; i < devs.length; i++) {
    const ret = __iommu_device_set_domain(cfg, st, group, devs[i], new_domain, flags);
    if (ret) {
      result = ret;
      if (flags & IOMMU_SET_DOMAIN_MUST_SUCCEED) continue;
      for (let j = 0; j <= i; j++) {
        if (g.domain !== NO_DOMAIN) {
          WARN_ON(
            st,
            __iommu_device_set_domain(
              cfg,
              st,
              group,
              devs[j],
              g.domain,
              IOMMU_SET_DOMAIN_MUST_SUCCEED,
            ) !== 0,
            '__iommu_group_set_domain_internal: revert to group->domain failed',
          );
        }
      }
      return ret;
    }
  }
  g.domain = new_domain;
  return result;
}

function __iommu_group_set_domain(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  new_domain: number,
): number {
  return __iommu_group_set_domain_internal(cfg, st, group, new_domain, 0);
}

/** __iommu_group_set_domain_nofail(): MUST_SUCCEED, and a failure is a WARN. */
function __iommu_group_set_domain_nofail(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  new_domain: number,
): void {
  WARN_ON(
    st,
    __iommu_group_set_domain_internal(cfg, st, group, new_domain, IOMMU_SET_DOMAIN_MUST_SUCCEED) !==
      0,
    '__iommu_group_set_domain_nofail: attach failed',
  );
}

/**
 * __iommu_group_set_core_domain(): the blocking domain if the group has an owner, else the
 * default domain, without failure.
 * Mirrors: drivers/iommu/iommu.c __iommu_group_set_core_domain().
 */
function __iommu_group_set_core_domain(cfg: KernelConfig, st: KernelState, group: number): void {
  const g = st.groups[group];
  __iommu_group_set_domain_nofail(
    cfg,
    st,
    group,
    g.owner !== null ? g.blocking_domain : g.default_domain,
  );
}

/**
 * __iommu_attach_group(): only from the default or blocking domain.
 * Returns: -EBUSY (someone else's domain is attached), -EINVAL (the domain's ops are not the
 * device's driver), else __iommu_group_set_domain()'s result.
 * Mirrors: drivers/iommu/iommu.c __iommu_attach_group().
 */
function __iommu_attach_group(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  group: number,
): number {
  const g = st.groups[group];
  const stealing =
    g.domain !== NO_DOMAIN && g.domain !== g.default_domain && g.domain !== g.blocking_domain;
  if (stealing && !cfg.mutants.has('attach-steals-domain')) return -EBUSY;
  if (!domainOpsCompatible(cfg, st, domain, cfg.groups[group].devices[0])) return -EINVAL;
  return __iommu_group_set_domain(cfg, st, group, domain);
}

/** domain->owner == dev_iommu_ops(dev): one ops table per driver, shared by its instances. */
function domainOpsCompatible(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
): boolean {
  return cfg.iommus[dom(st, domain).iommu].driver === cfg.iommus[cfg.devices[dev].iommu].driver;
}

/**
 * iommu_attach_device(domain, dev): RID attach for a singleton group.
 * Returns: -ENODEV (no group), -EINVAL (group has more than one device), then
 * __iommu_attach_group(): -EBUSY, -EINVAL, or the attach error.
 * Mirrors: drivers/iommu/iommu.c iommu_attach_device().
 */
export function iommu_attach_device(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
): number {
  const group = groupOf(cfg, dev);
  // Design variant (debate 000, Lu Baolu's 2022 series): multi-device groups allowed.
  const multi = cfg.variant.has('attach-device-multi-device-groups');
  if (cfg.groups[group].devices.length !== 1 && !multi) return -EINVAL;
  return __iommu_attach_group(cfg, st, domain, group);
}

/**
 * iommu_detach_device(domain, dev): back to the core domain. WARNs and does nothing if
 * `domain` is not current or the group is not a singleton.
 * Mirrors: drivers/iommu/iommu.c iommu_detach_device().
 */
export function iommu_detach_device(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
): number {
  const group = groupOf(cfg, dev);
  if (
    WARN_ON(st, domain !== st.groups[group].domain, 'iommu_detach_device: domain != group->domain')
  )
    return 0;
  if (
    WARN_ON(
      st,
      cfg.groups[group].devices.length !== 1,
      'iommu_detach_device: group is not a singleton',
    )
  )
    return 0;
  __iommu_group_set_core_domain(cfg, st, group);
  return 0;
}

/**
 * iommu_attach_group(domain, group).
 * Returns: __iommu_attach_group()'s: -EBUSY, -EINVAL, or the attach error.
 * Mirrors: drivers/iommu/iommu.c iommu_attach_group().
 */
export function iommu_attach_group(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  group: number,
): number {
  return __iommu_attach_group(cfg, st, domain, group);
}

/**
 * iommu_detach_group(domain, group): back to the core domain; `domain` is ignored.
 * Mirrors: drivers/iommu/iommu.c iommu_detach_group().
 */
export function iommu_detach_group(
  cfg: KernelConfig,
  st: KernelState,
  _domain: number,
  group: number,
): number {
  __iommu_group_set_core_domain(cfg, st, group);
  return 0;
}

/**
 * iommu_group_replace_domain(group, new_domain) (IOMMUFD_INTERNAL): from any current domain,
 * without passing through blocking.
 * Returns: -EINVAL (NULL domain), else __iommu_group_set_domain()'s result.
 * Mirrors: drivers/iommu/iommu.c iommu_group_replace_domain().
 */
export function iommu_group_replace_domain(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  new_domain: number,
): number {
  if (new_domain === NO_DOMAIN) return -EINVAL;
  return __iommu_group_set_domain(cfg, st, group, new_domain);
}

/**
 * iommu_get_domain_for_dev(dev): group->domain.
 * Mirrors: drivers/iommu/iommu.c iommu_get_domain_for_dev().
 */
export function iommu_get_domain_for_dev(cfg: KernelConfig, st: KernelState, dev: number): number {
  return st.groups[groupOf(cfg, dev)].domain;
}

/* ------------------------------------------------------------------------------------------ */
/* DMA ownership                                                                               */
/* ------------------------------------------------------------------------------------------ */

/**
 * iommu_device_use_default_domain(dev): the driver core, before a DMA-API driver probes.
 * Returns: -EPROBE_DEFER when the group has no default domain (its setup failed at probe);
 * -EBUSY if others use the group and it is off its default domain, owned, or has
 * PASIDs attached; else 0 with owner_cnt++.
 * Mirrors: drivers/iommu/iommu.c iommu_device_use_default_domain().
 */
export function iommu_device_use_default_domain(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
): number {
  const g = st.groups[groupOf(cfg, dev)];
  if (g.default_domain === NO_DOMAIN) return -EPROBE_DEFER;
  if (g.owner_cnt && !cfg.mutants.has('driver-ignores-owner')) {
    if (g.domain !== g.default_domain || g.owner !== null || g.pasid_array.length !== 0)
      return -EBUSY;
  }
  g.owner_cnt++;
  return 0;
}

/**
 * iommu_device_unuse_default_domain(dev): owner_cnt--, WARN if it was 0 or PASIDs are still
 * attached. The domain is not changed.
 * Mirrors: drivers/iommu/iommu.c iommu_device_unuse_default_domain().
 */
export function iommu_device_unuse_default_domain(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
): void {
  const g = st.groups[groupOf(cfg, dev)];
  // Design variant (debate 003, the per-domain DMA-API PASID of v3): the core owns PASIDs on the
  // default domain, so they do not pin the DMA-API user.
  const pinned = cfg.variant.has('dma-pasid-core-owned')
    ? g.pasid_array.some((e) => e.domain !== g.default_domain)
    : g.pasid_array.length !== 0;
  if (
    !WARN_ON(
      st,
      !g.owner_cnt || pinned,
      'iommu_device_unuse_default_domain: !owner_cnt || !xa_empty(pasid_array)',
    )
  ) {
    g.owner_cnt--;
  }
}

/**
 * __iommu_group_alloc_blocking_domain(): ops->blocked_domain, else an empty paging domain.
 * Returns: 0 or the allocation error.
 * Mirrors: drivers/iommu/iommu.c __iommu_group_alloc_blocking_domain().
 */
function __iommu_group_alloc_blocking_domain(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
): number {
  const g = st.groups[group];
  if (g.blocking_domain !== NO_DOMAIN) return 0;
  const iommu = cfg.groups[group].iommu;
  if (cfg.ops[iommu].has_blocked_domain) {
    g.blocking_domain = staticDomain(st, iommu, IOMMU_DOMAIN_BLOCKED);
    return 0;
  }
  const d = iommu_paging_domain_alloc(cfg, st, cfg.groups[group].devices[0]);
  if (d < 0) return d;
  g.blocking_domain = d;
  return 0;
}

/**
 * __iommu_take_dma_ownership(): -EBUSY if the group is off its default domain or has PASIDs
 * attached; then the blocking domain is attached, and owner recorded with owner_cnt++.
 * Mirrors: drivers/iommu/iommu.c __iommu_take_dma_ownership().
 */
function __iommu_take_dma_ownership(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  owner: string,
): number {
  const g = st.groups[group];
  const pasidsBlock = !cfg.mutants.has('claim-with-pasids') && g.pasid_array.length !== 0;
  if ((g.domain !== NO_DOMAIN && g.domain !== g.default_domain) || pasidsBlock) return -EBUSY;
  let ret = __iommu_group_alloc_blocking_domain(cfg, st, group);
  if (ret) return ret;
  ret = __iommu_group_set_domain(cfg, st, group, g.blocking_domain);
  if (ret) return ret;
  g.owner = owner;
  g.owner_cnt++;
  return 0;
}

/**
 * iommu_group_claim_dma_owner(group, owner): explicit (VFIO/iommufd) ownership of a group.
 * Returns: -EINVAL (NULL owner, WARN), -EPERM (any prior owner_cnt), else
 * __iommu_take_dma_ownership(): -EBUSY, allocation or attach errors (-EINVAL for a
 * require_direct device).
 * Mirrors: drivers/iommu/iommu.c iommu_group_claim_dma_owner().
 */
export function iommu_group_claim_dma_owner(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
  owner: string | null,
): number {
  if (WARN_ON(st, owner === null, 'iommu_group_claim_dma_owner: !owner') || owner === null)
    return -EINVAL;
  if (st.groups[group].owner_cnt) return -EPERM;
  return __iommu_take_dma_ownership(cfg, st, group, owner);
}

/**
 * iommu_device_claim_dma_owner(dev, owner): a second claim by the same owner counts up.
 * Returns: -EINVAL (NULL owner, WARN), -ENODEV (no group), -EPERM (owned by another owner or
 * used by the DMA API), else as __iommu_take_dma_ownership().
 * Mirrors: drivers/iommu/iommu.c iommu_device_claim_dma_owner().
 */
export function iommu_device_claim_dma_owner(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  owner: string | null,
): number {
  if (WARN_ON(st, owner === null, 'iommu_device_claim_dma_owner: !owner') || owner === null)
    return -EINVAL;
  const group = groupOf(cfg, dev);
  const g = st.groups[group];
  if (g.owner_cnt) {
    if (g.owner !== owner) return -EPERM;
    g.owner_cnt++;
    return 0;
  }
  return __iommu_take_dma_ownership(cfg, st, group, owner);
}

/**
 * __iommu_release_dma_ownership(): WARN on an inconsistent state (no count, no owner, PASIDs
 * attached), else reset owner_cnt and owner and go back to the default domain (nofail).
 * Mirrors: drivers/iommu/iommu.c __iommu_release_dma_ownership().
 */
function __iommu_release_dma_ownership(cfg: KernelConfig, st: KernelState, group: number): void {
  const g = st.groups[group];
  if (
    WARN_ON(
      st,
      !g.owner_cnt || g.owner === null || g.pasid_array.length !== 0,
      '__iommu_release_dma_ownership: inconsistent ownership',
    )
  )
    return;
  g.owner_cnt = 0;
  if (!cfg.mutants.has('release-keeps-owner')) g.owner = null;
  __iommu_group_set_domain_nofail(cfg, st, group, g.default_domain);
}

/** Mirrors: drivers/iommu/iommu.c iommu_group_release_dma_owner(). Returns nothing (0). */
export function iommu_group_release_dma_owner(
  cfg: KernelConfig,
  st: KernelState,
  group: number,
): number {
  __iommu_release_dma_ownership(cfg, st, group);
  return 0;
}

/**
 * iommu_device_release_dma_owner(dev): counts down while owner_cnt > 1, else releases.
 * Mirrors: drivers/iommu/iommu.c iommu_device_release_dma_owner(). Returns nothing (0).
 */
export function iommu_device_release_dma_owner(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
): number {
  const group = groupOf(cfg, dev);
  const g = st.groups[group];
  if (g.owner_cnt > 1) g.owner_cnt--;
  else __iommu_release_dma_ownership(cfg, st, group);
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* PASID attach                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** PASID-capable members: newest programs and validates only devices with max_pasids > 0. */
function pasidDevices(cfg: KernelConfig, group: number): number[] {
  return cfg.groups[group].devices.filter((d) => cfg.devices[d].max_pasids > 0);
}

/**
 * iommu_remove_dev_pasid(): newest removes by attaching the blocked domain to the PASID; a
 * failure WARNs.
 * Mirrors: drivers/iommu/iommu.c iommu_remove_dev_pasid().
 */
function iommu_remove_dev_pasid(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  pasid: number,
  domain: number,
): void {
  const iommu = cfg.devices[dev].iommu;
  const blocked = staticDomain(st, iommu, IOMMU_DOMAIN_BLOCKED);
  WARN_ON(
    st,
    cfg.ops[iommu].set_dev_pasid(cfg, st, blocked, dev, pasid, domain) !== 0,
    'iommu_remove_dev_pasid: blocked set_dev_pasid failed',
  );
}

function set_dev_pasid(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
  pasid: number,
  old: number,
): number {
  if (should_fail(cfg, st, 'set_dev_pasid')) return -ENOMEM;
  return cfg.ops[dom(st, domain).iommu].set_dev_pasid(cfg, st, domain, dev, pasid, old);
}

/**
 * __iommu_set_group_pasid(): set_dev_pasid on every PASID-capable member; on failure the
 * devices already done are rolled back to `old` (a failure there WARNs) or removed.
 * Returns: 0 or the first set_dev_pasid error.
 * Mirrors: drivers/iommu/iommu.c __iommu_set_group_pasid().
 */
function __iommu_set_group_pasid(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  group: number,
  pasid: number,
  old: number,
): number {
  const devs = pasidDevices(cfg, group);
  for (let i = 0; i < devs.length; i++) {
    const ret = set_dev_pasid(cfg, st, domain, devs[i], pasid, old);
    if (ret) {
      for (let j = 0; j < i; j++) {
        if (
          old === NO_DOMAIN ||
          WARN_ON(
            st,
            set_dev_pasid(cfg, st, old, devs[j], pasid, domain) !== 0,
            '__iommu_set_group_pasid: rollback to old failed',
          )
        ) {
          iommu_remove_dev_pasid(cfg, st, devs[j], pasid, domain);
        }
      }
      return ret;
    }
  }
  return 0;
}

/** The -EOPNOTSUPP / -EINVAL prologue shared by attach and replace. */
function pasidPrologue(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
  pasid: number,
  attach: boolean,
): number {
  const iommu = cfg.devices[dev].iommu;
  const ops = cfg.ops[dom(st, domain).iommu];
  const devOps = cfg.ops[iommu];
  if (!ops.supports_set_dev_pasid(dom(st, domain).type)) return -EOPNOTSUPP;
  if (
    attach &&
    cfg.revision === 'newest' &&
    !(devOps.has_blocked_domain && devOps.supports_set_dev_pasid(IOMMU_DOMAIN_BLOCKED))
  ) {
    return -EOPNOTSUPP;
  }
  if (!domainOpsCompatible(cfg, st, domain, dev) || pasid === IOMMU_NO_PASID) return -EINVAL;
  return 0;
}

/**
 * iommu_attach_device_pasid(domain, dev, pasid, handle), checks in kernel order (the kernel's
 * first, -ENODEV for a device without a group, cannot happen here: every scenario device has one):
 *   -EOPNOTSUPP  the domain has no set_dev_pasid (newest: or the driver's blocked domain has none);
 *   -EINVAL      the domain's ops are not the device's driver, or pasid == IOMMU_NO_PASID;
 *   -EINVAL      pasid >= max_pasids of a member (newest skips members with max_pasids == 0,
 *                b3f6fcd8404f; v6.12 does not);
 *   -EBUSY       the PASID is already in the group's pasid_array (xa_insert);
 *   set_dev_pasid's error, after rolling back the members already done.
 * The entry becomes visible only after every member succeeded.
 * Mirrors: drivers/iommu/iommu.c iommu_attach_device_pasid().
 */
export function iommu_attach_device_pasid(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
  pasid: number,
  handle: string | null,
): number {
  const group = groupOf(cfg, dev);
  const pro = pasidPrologue(cfg, st, domain, dev, pasid, true);
  if (pro) return pro;
  for (const d of cfg.groups[group].devices) {
    const max = cfg.devices[d].max_pasids;
    if ((cfg.revision !== 'newest' || max > 0) && pasid >= max) return -EINVAL;
  }
  if (pasidEntry(st, group, pasid) !== undefined) {
    if (!cfg.mutants.has('pasid-slot-overwrite')) return -EBUSY;
    pasidArrayErase(st, group, pasid);
  }
  const ret = __iommu_set_group_pasid(cfg, st, domain, group, pasid, NO_DOMAIN);
  if (ret) return ret;
  pasidArrayInsert(st, group, { pasid, domain, handle });
  return 0;
}

/**
 * iommu_detach_device_pasid(domain, dev, pasid): remove the PASID on every PASID-capable member
 * and erase the slot. The caller must pass the attached domain; nothing is returned (0).
 * Mirrors: drivers/iommu/iommu.c iommu_detach_device_pasid().
 */
export function iommu_detach_device_pasid(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
  pasid: number,
): number {
  const group = groupOf(cfg, dev);
  if (!cfg.mutants.has('cd-left-after-detach')) {
    for (const d of pasidDevices(cfg, group)) iommu_remove_dev_pasid(cfg, st, d, pasid, domain);
  }
  pasidArrayErase(st, group, pasid);
  return 0;
}

/**
 * iommu_replace_device_pasid(domain, dev, pasid, handle) (IOMMUFD_INTERNAL, newest only; the
 * kernel's -ENODEV for a device without a group cannot happen here):
 *   -EOPNOTSUPP  the domain has no set_dev_pasid;
 *   -EINVAL      incompatible ops, pasid == IOMMU_NO_PASID, or no handle;
 *   -EINVAL      nothing attached at the PASID (not a replace);
 *   -EINVAL      the same handle again (WARN);
 *   set_dev_pasid's error; the PASID keeps its old domain.
 * Mirrors: drivers/iommu/iommu.c iommu_replace_device_pasid().
 */
export function iommu_replace_device_pasid(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
  pasid: number,
  handle: string | null,
): number {
  const group = groupOf(cfg, dev);
  const pro = pasidPrologue(cfg, st, domain, dev, pasid, false);
  if (pro) return pro;
  if (handle === null) return -EINVAL;
  const curr = pasidEntry(st, group, pasid);
  if (curr === undefined) return -EINVAL;
  if (curr.handle === handle) {
    WARN_ON(st, true, 'iommu_replace_device_pasid: handle reused');
    return -EINVAL;
  }
  if (curr.domain !== domain) {
    const ret = __iommu_set_group_pasid(cfg, st, domain, group, pasid, curr.domain);
    if (ret) return ret;
  }
  curr.domain = domain;
  curr.handle = handle;
  return 0;
}

/**
 * iommu_alloc_global_pasid(dev): from the one system-wide IDA, in [1, max_pasids - 1].
 * Returns: the PASID, or IOMMU_PASID_INVALID (-1 here: the u32 ~0U) when the device has no
 * PASID support or the range is exhausted.
 * Mirrors: drivers/iommu/iommu.c iommu_alloc_global_pasid().
 */
export function iommu_alloc_global_pasid(cfg: KernelConfig, st: KernelState, dev: number): number {
  const max = cfg.devices[dev].max_pasids;
  if (!max) return IOMMU_PASID_INVALID;
  for (let id = IOMMU_FIRST_GLOBAL_PASID; id <= max - 1; id++) {
    if (!st.global_pasids.includes(id)) {
      st.global_pasids.push(id);
      st.global_pasids.sort((a, b) => a - b);
      return id;
    }
    if (cfg.mutants.has('global-pasid-twice')) return id;
  }
  return IOMMU_PASID_INVALID;
}

/**
 * iommu_free_global_pasid(pasid): WARN on IOMMU_PASID_INVALID; ida_free() WARNs on an id that
 * is not allocated ("ida_free called for id=%d which is not allocated").
 * Mirrors: drivers/iommu/iommu.c iommu_free_global_pasid(); lib/idr.c ida_free().
 */
export function iommu_free_global_pasid(
  _cfg: KernelConfig,
  st: KernelState,
  pasid: number,
): number {
  if (
    WARN_ON(
      st,
      pasid === IOMMU_PASID_INVALID,
      'iommu_free_global_pasid: pasid == IOMMU_PASID_INVALID',
    )
  )
    return 0;
  const i = st.global_pasids.indexOf(pasid);
  if (WARN_ON(st, i < 0, `ida_free: id=${pasid} is not allocated`)) return 0;
  st.global_pasids.splice(i, 1);
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Driver-core glue: drivers/base/dd.c                                                         */
/* ------------------------------------------------------------------------------------------ */

/** The entry points this module mirrors (src/kernel/dispatch.ts joins the tables). */
export const IOMMU_C_ENTRY_POINTS = {
  iommu_group_store_type: (cfg, st, a) => iommu_group_store_type(cfg, st, a.group, a.sysfs),
  iommu_group_show_type: (cfg, st, a) => iommu_group_show_type(cfg, st, a.group),
  iommu_paging_domain_alloc: (cfg, st, a) => iommu_paging_domain_alloc(cfg, st, a.dev),
  iommu_domain_free: (cfg, st, a) => iommu_domain_free(cfg, st, a.domain),
  iommu_get_domain_for_dev: (cfg, st, a) => iommu_get_domain_for_dev(cfg, st, a.dev),
  iommu_attach_device: (cfg, st, a) => iommu_attach_device(cfg, st, a.domain, a.dev),
  iommu_detach_device: (cfg, st, a) => iommu_detach_device(cfg, st, a.domain, a.dev),
  iommu_attach_group: (cfg, st, a) => iommu_attach_group(cfg, st, a.domain, a.group),
  iommu_detach_group: (cfg, st, a) => iommu_detach_group(cfg, st, a.domain, a.group),
  iommu_group_replace_domain: (cfg, st, a) =>
    iommu_group_replace_domain(cfg, st, a.group, a.domain),
  iommu_device_claim_dma_owner: (cfg, st, a) =>
    iommu_device_claim_dma_owner(cfg, st, a.dev, a.owner),
  iommu_device_release_dma_owner: (cfg, st, a) => iommu_device_release_dma_owner(cfg, st, a.dev),
  iommu_group_claim_dma_owner: (cfg, st, a) =>
    iommu_group_claim_dma_owner(cfg, st, a.group, a.owner),
  iommu_group_release_dma_owner: (cfg, st, a) => iommu_group_release_dma_owner(cfg, st, a.group),
  iommu_attach_device_pasid: (cfg, st, a) =>
    iommu_attach_device_pasid(cfg, st, a.domain, a.dev, a.pasid, a.handle),
  iommu_detach_device_pasid: (cfg, st, a) =>
    iommu_detach_device_pasid(cfg, st, a.domain, a.dev, a.pasid),
  iommu_replace_device_pasid: (cfg, st, a) =>
    iommu_replace_device_pasid(cfg, st, a.domain, a.dev, a.pasid, a.handle),
  iommu_alloc_global_pasid: (cfg, st, a) => iommu_alloc_global_pasid(cfg, st, a.dev),
  iommu_free_global_pasid: (cfg, st, a) => iommu_free_global_pasid(cfg, st, a.pasid),
} satisfies Partial<EntryPoints>;
