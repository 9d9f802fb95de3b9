/**
 * The IOVA allocator: drivers/iommu/iova.c, one CPU.
 *
 * Sources read:
 * - torvalds/linux drivers/iommu/iova.c, rbtree generation (~v5.10-v6.x): alloc_iova(),
 *   __alloc_and_insert_iova_range(), private_find_iova(), reserve_iova() (rbtree variant).
 * - drivers/iommu/iova.c, newest copy with the depot work and a maple tree (the reference's
 *   [IOVA] key): alloc_iova_fast(), free_iova_fast(), __iova_rcache_insert(),
 *   __iova_rcache_get(), iova_rcache_get(), iova_magazine_pop(), iova_magazine_free_pfns(),
 *   iova_depot_pop/push(), iova_depot_work_func(), free_cpu_cached_iovas(),
 *   free_global_cached_iovas(), reserve_iova() (merging variant), put_iova_domain().
 *
 * Model: `iovad.ranges` is the rbtree (every allocated, cached and reserved range, sorted by
 * pfn_lo, never overlapping). An rcache'd IOVA stays in `ranges`: the magazines only remember
 * its pfn_lo, exactly as the kernel's magazines hold PFNs of still-allocated `struct iova`s.
 * Only a free to the tree (free_iova, iova_magazine_free_pfns) removes a range.
 *
 * Range tuples are never mutated in place (they are replaced), so callers may share or clone
 * them freely. PFNs may exceed 2^32, so no 32-bit bitwise operators are used on them.
 *
 * The search starts where the kernel's does: at `cached32_node` (limits at or below 4 GiB) or
 * `cached_node`, the last range allocated in that space, moved up past freed ranges
 * (__cached_rbnode_insert_update / __cached_rbnode_delete_update), with the max32_alloc_size
 * fast-fail and the one retry from iova_find_limit(). So a gap above the cached node is not
 * refilled until a free moves the cache up past it: a real 6.12 and 6.1 kernel under QEMU's
 * VT-d placed a page after a 4-page range below it, not in the free gap above (conform/README.md).
 * A node is named by its pfn_lo; IOVA_ANCHOR is the anchor node above every range.
 */
import { EINVAL } from '../../spec/errno.js';
import type { IovaDomain, IovaRcacheBin } from './types.js';

/** include/linux/mm.h PAGE_SIZE (4 KiB pages). */
export const PAGE_SIZE = 4096;

/** drivers/iommu/iova.c IOVA_RANGE_CACHE_MAX_SIZE: log of max cached IOVA range size (pages). */
export const IOVA_RANGE_CACHE_MAX_SIZE = 6;

/**
 * The range the domain's rcaches cover: IOVA_RANGE_CACHE_MAX_SIZE bins upstream. The number of
 * bins is what the 2021 "configurable rcache range" proposals changed (design variants).
 */
export function rangeCacheMax(iovad: IovaDomain): number {
  return iovad.rcaches?.length ?? IOVA_RANGE_CACHE_MAX_SIZE;
}

/** drivers/iommu/iova.c IOVA_MAG_SIZE: PFNs per magazine (scenarios use IovaDomain.mag_size). */
export const IOVA_MAG_SIZE = 127;

/** Stand-in for num_online_cpus(): the model runs one CPU. */
const NUM_ONLINE_CPUS = 1;

/** drivers/iommu/iova.c IOVA_ANCHOR: pfn_lo and pfn_hi of the anchor node (~0UL upstream). */
export const IOVA_ANCHOR = Number.MAX_SAFE_INTEGER;

/* ------------------------------------------------------------------------------------------ */
/* Bit helpers (include/linux/log2.h)                                                          */
/* ------------------------------------------------------------------------------------------ */

/**
 * Mirrors: include/linux/log2.h roundup_pow_of_two().
 * Returns the smallest power of two >= n (1 for n <= 1; the kernel leaves n = 0 undefined).
 */
export function roundup_pow_of_two(n: number): number {
  if (n <= 1) return 1;
  if (n <= 0x80000000) return 2 ** (32 - Math.clz32(n - 1));
  let p = 0x80000000;
  while (p < n) p *= 2;
  return p;
}

/**
 * Mirrors: include/linux/log2.h order_base_2().
 * Returns ceil(log2(n)), with order_base_2(0) = order_base_2(1) = 0 as in the kernel.
 */
export function order_base_2(n: number): number {
  if (n <= 1) return 0;
  if (n <= 0x80000000) return 32 - Math.clz32(n - 1);
  let order = 31;
  let p = 0x80000000;
  while (p < n) {
    p *= 2;
    order++;
  }
  return order;
}

/* ------------------------------------------------------------------------------------------ */
/* Domain lifetime                                                                             */
/* ------------------------------------------------------------------------------------------ */

/**
 * Mirrors: drivers/iommu/iova.c init_iova_domain().
 * Returns a fresh domain: no ranges, dma_32bit_pfn = 2^32 / granule, rcaches null until
 * iova_domain_init_rcaches(). Preconditions (kernel BUG_ON / dma-iommu base_pfn): granule is a
 * power of two <= PAGE_SIZE and start_pfn >= 1, so that pfn 0 can mean "no IOVA".
 * `mag_size` (>= 1) stands in for IOVA_MAG_SIZE so scenarios can fill magazines quickly.
 */
export function init_iova_domain(granule: number, start_pfn: number, mag_size: number): IovaDomain {
  return {
    granule,
    start_pfn,
    dma_32bit_pfn: 2 ** 32 / granule,
    cached_node: IOVA_ANCHOR,
    cached32_node: IOVA_ANCHOR,
    max32_alloc_size: 2 ** 32 / granule,
    ranges: [],
    reserved: [],
    rcaches: null,
    mag_size,
  };
}

/**
 * Mirrors: drivers/iommu/iova.c iova_domain_init_rcaches().
 * Allocates IOVA_RANGE_CACHE_MAX_SIZE bins, each with empty loaded and prev magazines and an
 * empty depot (one CPU). Returns 0 (the model never runs out of memory).
 */
export function iova_domain_init_rcaches(iovad: IovaDomain): number {
  const bins: IovaRcacheBin[] = [];
  for (let i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
    bins.push({ loaded: [], prev: [], depot: [] });
  }
  iovad.rcaches = bins;
  return 0;
}

/**
 * Mirrors: drivers/iommu/iova.c put_iova_domain().
 * Frees the rcaches (free_iova_rcaches: cached PFNs are dropped, not returned) and every range
 * in the tree, reservations included. Returns nothing.
 */
export function put_iova_domain(iovad: IovaDomain): void {
  iovad.rcaches = null;
  iovad.ranges = [];
  iovad.reserved = [];
  iovad.cached_node = IOVA_ANCHOR;
  iovad.cached32_node = IOVA_ANCHOR;
  iovad.max32_alloc_size = iovad.dma_32bit_pfn;
}

/**
 * Mirrors: drivers/iommu/iova.c iova_rcache_range().
 * Returns the largest cached size in bytes: PAGE_SIZE << (IOVA_RANGE_CACHE_MAX_SIZE - 1).
 */
export function iova_rcache_range(): number {
  return PAGE_SIZE * 2 ** (IOVA_RANGE_CACHE_MAX_SIZE - 1);
}

/* ------------------------------------------------------------------------------------------ */
/* The tree                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** Index of the last range with pfn_lo <= pfn, or -1. */
function lastLoAtOrBelow(ranges: readonly (readonly [number, number])[], pfn: number): number {
  let lo = 0;
  let hi = ranges.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid][0] <= pfn) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** Index in `ranges` of the range containing pfn, or -1 (private_find_iova). */
function findIndex(ranges: readonly (readonly [number, number])[], pfn: number): number {
  const i = lastLoAtOrBelow(ranges, pfn);
  return i >= 0 && ranges[i][1] >= pfn ? i : -1;
}

/**
 * Mirrors: drivers/iommu/iova.c find_iova() / private_find_iova().
 * Returns the tree range [pfn_lo, pfn_hi] containing pfn, or null.
 */
export function find_iova(iovad: IovaDomain, pfn: number): readonly [number, number] | null {
  const i = findIndex(iovad.ranges, pfn);
  return i < 0 ? null : iovad.ranges[i];
}

/**
 * The index of the node named by its pfn_lo (ranges.length for the anchor). A merge by
 * reserve_iova may have replaced the node: the next range up stands for it.
 */
function nodeIndex(ranges: readonly (readonly [number, number])[], pfn_lo: number): number {
  if (pfn_lo === IOVA_ANCHOR) return ranges.length;
  const i = lastLoAtOrBelow(ranges, pfn_lo);
  if (i >= 0 && ranges[i][0] === pfn_lo) return i;
  return i + 1;
}

/**
 * Mirrors: drivers/iommu/iova.c iova_find_limit().
 * Returns the index of the lowest range with pfn_hi >= limit_pfn (the anchor, ranges.length,
 * when none, and always for a limit above dma_32bit_pfn).
 */
function iova_find_limit(iovad: IovaDomain, limit_pfn: number): number {
  const ranges = iovad.ranges;
  if (limit_pfn > iovad.dma_32bit_pfn) return ranges.length;
  let i = lastLoAtOrBelow(ranges, limit_pfn);
  if (i < 0 || ranges[i][1] < limit_pfn) i++;
  return i;
}

/**
 * Mirrors: drivers/iommu/iova.c __alloc_and_insert_iova_range().
 * Walks the tree down from the cached node of the limit's space (cached32_node for limit_end <=
 * dma_32bit_pfn, else cached_node): high_pfn = min(high_pfn, node.pfn_lo), new_pfn = (high_pfn -
 * size) & align_mask (align_mask <<= fls_long(size - 1) with size_aligned), until new_pfn clears
 * the next range down. When that runs below start_pfn it retries once over [cached node's
 * pfn_hi + 1, limit_end) from iova_find_limit(); when that fails too it records
 * max32_alloc_size = size. Fails at once for a 32-bit limit when size >= max32_alloc_size.
 * Inserts the range, points the cached node at it (__cached_rbnode_insert_update) and returns
 * new_pfn, or 0 (-ENOMEM in the kernel; start_pfn >= 1 keeps 0 free).
 */
function __alloc_and_insert_iova_range(
  iovad: IovaDomain,
  size: number,
  limit_end: number,
  size_aligned: boolean,
): number {
  const ranges = iovad.ranges;
  const align = size_aligned ? roundup_pow_of_two(size) : 1;
  const lo = (i: number) => (i >= ranges.length ? IOVA_ANCHOR : ranges[i][0]);
  let high_pfn = limit_end;
  let low_pfn = iovad.start_pfn;
  if (limit_end <= iovad.dma_32bit_pfn && size >= iovad.max32_alloc_size) return 0;
  let i = nodeIndex(
    ranges,
    limit_end <= iovad.dma_32bit_pfn ? iovad.cached32_node : iovad.cached_node,
  );
  const retry_pfn = i >= ranges.length ? IOVA_ANCHOR : ranges[i][1];
  let new_pfn: number;
  for (let retried = false; ; retried = true) {
    do {
      high_pfn = Math.min(high_pfn, lo(i));
      // unsigned underflow upstream: a value no range and no low_pfn accepts
      new_pfn = high_pfn >= size ? Math.floor((high_pfn - size) / align) * align : -1;
      i--;
    } while (i >= 0 && new_pfn <= ranges[i][1] && new_pfn >= low_pfn);
    if (high_pfn >= size && new_pfn >= low_pfn) break;
    if (!retried && low_pfn === iovad.start_pfn && retry_pfn < limit_end) {
      high_pfn = limit_end;
      low_pfn = retry_pfn + 1;
      i = iova_find_limit(iovad, limit_end);
      continue;
    }
    iovad.max32_alloc_size = size;
    return 0;
  }
  ranges.splice(lastLoAtOrBelow(ranges, new_pfn) + 1, 0, [new_pfn, new_pfn + size - 1]);
  // __cached_rbnode_insert_update
  if (new_pfn + size - 1 < iovad.dma_32bit_pfn) iovad.cached32_node = new_pfn;
  else iovad.cached_node = new_pfn;
  return new_pfn;
}

/**
 * Mirrors: drivers/iommu/iova.c alloc_iova().
 * Allocates `size_pages` granules in [start_pfn, limit_pfn] (limit inclusive), searching
 * top-down; with size_aligned the start is aligned to roundup_pow_of_two(size). Returns the new
 * range's pfn_lo, or 0 when nothing fits (the kernel returns NULL).
 */
export function alloc_iova(
  iovad: IovaDomain,
  size_pages: number,
  limit_pfn: number,
  size_aligned: boolean,
): number {
  if (size_pages < 1) return 0;
  return __alloc_and_insert_iova_range(iovad, size_pages, limit_pfn + 1, size_aligned);
}

/** Drops the reservation record for a range leaving the tree (kernel: it is just a node). */
function dropReserved(iovad: IovaDomain, lo: number, hi: number): void {
  const res = iovad.reserved;
  for (let j = 0; j < res.length; j++) {
    if (res[j][0] === lo && res[j][1] === hi) {
      res.splice(j, 1);
      return;
    }
  }
}

/**
 * Removes ranges[i] from the tree (remove_iova + free_iova_mem), first moving the cached nodes up
 * past it as __cached_rbnode_delete_update() does: to rb_next() of the freed node when it was the
 * cached one or lay above it, and resetting max32_alloc_size when it freed 32-bit space.
 */
function removeAt(iovad: IovaDomain, i: number): void {
  const [lo, hi] = iovad.ranges[i];
  const next = i + 1 < iovad.ranges.length ? iovad.ranges[i + 1][0] : IOVA_ANCHOR;
  const c32 = nodeIndex(iovad.ranges, iovad.cached32_node);
  const c32_lo = c32 >= iovad.ranges.length ? IOVA_ANCHOR : iovad.ranges[c32][0];
  if (c32 === i || (hi < iovad.dma_32bit_pfn && lo >= c32_lo)) iovad.cached32_node = next;
  if (lo < iovad.dma_32bit_pfn) iovad.max32_alloc_size = iovad.dma_32bit_pfn;
  const c = nodeIndex(iovad.ranges, iovad.cached_node);
  const c_lo = c >= iovad.ranges.length ? IOVA_ANCHOR : iovad.ranges[c][0];
  if (lo >= c_lo) iovad.cached_node = next;
  iovad.ranges.splice(i, 1);
  if (iovad.reserved.length > 0) dropReserved(iovad, lo, hi);
}

/**
 * Mirrors: drivers/iommu/iova.c __free_iova().
 * Removes exactly the tree range `iova` (as returned by find_iova). Like the kernel, a
 * reservation is just a node, so freeing one removes the reservation too. Returns whether the
 * range was in the tree.
 */
export function __free_iova(iovad: IovaDomain, iova: readonly [number, number]): boolean {
  const i = findIndex(iovad.ranges, iova[0]);
  if (i < 0 || iovad.ranges[i][0] !== iova[0] || iovad.ranges[i][1] !== iova[1]) return false;
  removeAt(iovad, i);
  return true;
}

/**
 * Mirrors: drivers/iommu/iova.c free_iova().
 * Finds the tree range containing pfn and removes it (it does not look at the rcaches). Returns
 * whether a range was found.
 */
export function free_iova(iovad: IovaDomain, pfn: number): boolean {
  const i = findIndex(iovad.ranges, pfn);
  if (i < 0) return false;
  removeAt(iovad, i);
  return true;
}

/**
 * Mirrors: drivers/iommu/iova.c reserve_iova() (the merging copy; the rbtree copy gives the
 * same coverage with several nodes).
 * Reserves [pfn_lo, pfn_hi] so alloc_iova never hands it out. If an existing entry already
 * covers the range, nothing changes; otherwise every overlapping tree entry is absorbed into
 * one merged reservation. Returns 0, or -EINVAL for a nonsensical range (the kernel WARNs and
 * returns NULL for pfns beyond the address space).
 */
export function reserve_iova(iovad: IovaDomain, pfn_lo: number, pfn_hi: number): number {
  if (
    !Number.isSafeInteger(pfn_lo) ||
    !Number.isSafeInteger(pfn_hi) ||
    pfn_lo < 0 ||
    pfn_hi < pfn_lo
  ) {
    return -EINVAL;
  }
  const ranges = iovad.ranges;
  // First tree entry that may overlap: the last one starting at or below pfn_lo, if it reaches.
  let first = lastLoAtOrBelow(ranges, pfn_lo);
  if (first < 0 || ranges[first][1] < pfn_lo) first++;
  let last = first;
  let merged_lo = pfn_lo;
  let merged_hi = pfn_hi;
  while (last < ranges.length && ranges[last][0] <= pfn_hi) {
    const [lo, hi] = ranges[last];
    if (pfn_lo >= lo && pfn_hi <= hi) return 0;
    if (lo < merged_lo) merged_lo = lo;
    if (hi > merged_hi) merged_hi = hi;
    last++;
  }
  for (let j = first; j < last; j++) {
    if (iovad.reserved.length > 0) dropReserved(iovad, ranges[j][0], ranges[j][1]);
  }
  ranges.splice(first, last - first, [merged_lo, merged_hi]);
  const res = iovad.reserved;
  const at = lastLoAtOrBelow(res, merged_lo) + 1;
  res.splice(at, 0, [merged_lo, merged_hi]);
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The rcache (one CPU)                                                                        */
/* ------------------------------------------------------------------------------------------ */

/**
 * Mirrors: drivers/iommu/iova.c iova_magazine_free_pfns().
 * Frees every PFN of the magazine back to the tree (a PFN missing from the tree is the
 * kernel's WARN_ON(!iova) and is skipped) and empties the magazine. Returns nothing.
 */
function iova_magazine_free_pfns(mag: number[], iovad: IovaDomain): void {
  for (let k = 0; k < mag.length; k++) {
    const i = findIndex(iovad.ranges, mag[k]);
    if (i < 0) continue;
    removeAt(iovad, i);
  }
  mag.length = 0;
}

/**
 * Mirrors: drivers/iommu/iova.c iova_magazine_pop().
 * Searches from the most recently pushed PFN down for one <= limit_pfn, removes it by moving
 * the last PFN into its slot, and returns it; returns 0 if none qualifies.
 */
function iova_magazine_pop(mag: number[], limit_pfn: number): number {
  let i = mag.length - 1;
  while (mag[i] > limit_pfn) {
    if (i === 0) return 0;
    i--;
  }
  const pfn = mag[i];
  mag[i] = mag[mag.length - 1];
  mag.length--;
  return pfn;
}

/**
 * Mirrors: drivers/iommu/iova.c __iova_rcache_insert().
 * Pushes pfn into the loaded magazine if it has room; else swaps loaded and prev if prev has
 * room; else pushes the full loaded magazine onto the depot (iova_depot_push; the depot work is
 * scheduled, here run explicitly via iova_depot_work_func) and starts a fresh magazine.
 * Returns true (the fresh magazine's GFP_ATOMIC allocation never fails in the model).
 */
function __iova_rcache_insert(iovad: IovaDomain, rcache: IovaRcacheBin, iova_pfn: number): boolean {
  const mag_size = iovad.mag_size;
  if (rcache.loaded.length >= mag_size) {
    if (rcache.prev.length < mag_size) {
      const t = rcache.prev;
      rcache.prev = rcache.loaded;
      rcache.loaded = t;
    } else {
      rcache.depot.push(rcache.loaded);
      rcache.loaded = [];
    }
  }
  rcache.loaded.push(iova_pfn);
  return true;
}

/**
 * Mirrors: drivers/iommu/iova.c iova_rcache_insert().
 * Returns false when order_base_2(size) >= IOVA_RANGE_CACHE_MAX_SIZE (or, defensively, when the
 * rcaches were never initialised, where the kernel would dereference NULL), else inserts into
 * that order's bin and returns true.
 */
function iova_rcache_insert(iovad: IovaDomain, pfn: number, size: number): boolean {
  const log_size = order_base_2(size);
  if (iovad.rcaches === null || log_size >= iovad.rcaches.length) return false;
  return __iova_rcache_insert(iovad, iovad.rcaches[log_size], pfn);
}

/**
 * Mirrors: drivers/iommu/iova.c __iova_rcache_get().
 * Picks a magazine the kernel's way (loaded if non-empty; else prev swapped in if non-empty;
 * else the depot head replaces the empty loaded magazine) and pops a PFN <= limit_pfn from it.
 * Returns the PFN, or 0 when the chosen magazine has none or every magazine is empty.
 */
function __iova_rcache_get(rcache: IovaRcacheBin, limit_pfn: number): number {
  if (rcache.loaded.length === 0) {
    if (rcache.prev.length > 0) {
      const t = rcache.prev;
      rcache.prev = rcache.loaded;
      rcache.loaded = t;
    } else if (rcache.depot.length > 0) {
      rcache.loaded = rcache.depot.pop()!;
    } else {
      return 0;
    }
  }
  return iova_magazine_pop(rcache.loaded, limit_pfn);
}

/**
 * Mirrors: drivers/iommu/iova.c iova_rcache_get().
 * `limit_end` is the exclusive limit (alloc_iova_fast passes limit_pfn + 1); a cached PFN
 * qualifies when pfn <= limit_end - size, i.e. the whole range ends at or below limit_pfn.
 * Returns the PFN or 0 (also 0 for uncached orders or missing rcaches).
 */
function iova_rcache_get(iovad: IovaDomain, size: number, limit_end: number): number {
  const log_size = order_base_2(size);
  if (iovad.rcaches === null || log_size >= iovad.rcaches.length) return 0;
  return __iova_rcache_get(iovad.rcaches[log_size], limit_end - size);
}

/**
 * Mirrors: drivers/iommu/iova.c free_cpu_cached_iovas() for the one CPU.
 * Frees the loaded and prev magazines of every bin back to the tree. Returns nothing.
 */
export function free_cpu_cached_iovas(iovad: IovaDomain): void {
  if (iovad.rcaches === null) return;
  for (const rcache of iovad.rcaches) {
    iova_magazine_free_pfns(rcache.loaded, iovad);
    iova_magazine_free_pfns(rcache.prev, iovad);
  }
}

/**
 * Mirrors: drivers/iommu/iova.c free_global_cached_iovas().
 * Pops every depot magazine of every bin and frees its PFNs back to the tree. Returns nothing.
 */
export function free_global_cached_iovas(iovad: IovaDomain): void {
  if (iovad.rcaches === null) return;
  for (const rcache of iovad.rcaches) {
    while (rcache.depot.length > 0) {
      iova_magazine_free_pfns(rcache.depot.pop()!, iovad);
    }
  }
}

/**
 * Mirrors: drivers/iommu/iova.c iova_depot_work_func(), run to its fixpoint for every bin.
 * The kernel work pops one depot magazine while depot_size > num_online_cpus(), frees its PFNs
 * to the tree and reschedules itself (IOVA_DEPOT_DELAY); repeated runs leave at most
 * num_online_cpus() = 1 magazine per depot, which is what this does at once. The depot is a
 * LIFO (iova_depot_push/pop at the head = the end of the array). Returns nothing.
 */
export function iova_depot_work_func(iovad: IovaDomain): void {
  if (iovad.rcaches === null) return;
  for (const rcache of iovad.rcaches) {
    while (rcache.depot.length > NUM_ONLINE_CPUS) {
      iova_magazine_free_pfns(rcache.depot.pop()!, iovad);
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* The fast path                                                                               */
/* ------------------------------------------------------------------------------------------ */

/**
 * Mirrors: drivers/iommu/iova.c alloc_iova_fast().
 * Rounds size up to a power of two when size < 1 << (IOVA_RANGE_CACHE_MAX_SIZE - 1), tries the
 * rcache, then alloc_iova(size_aligned = true). On failure with flush_rcache it frees every
 * cached IOVA to the tree (free_cpu_cached_iovas + free_global_cached_iovas) and retries once.
 * Returns the pfn_lo, or 0 on failure.
 */
export function alloc_iova_fast(
  iovad: IovaDomain,
  size: number,
  limit_pfn: number,
  flush_rcache: boolean,
): number {
  if (size < 1) return 0;
  if (size < 1 << (rangeCacheMax(iovad) - 1)) size = roundup_pow_of_two(size);

  const iova_pfn = iova_rcache_get(iovad, size, limit_pfn + 1);
  if (iova_pfn) return iova_pfn;

  for (;;) {
    const pfn = alloc_iova(iovad, size, limit_pfn, true);
    if (pfn) return pfn;
    if (!flush_rcache) return 0;
    flush_rcache = false;
    free_cpu_cached_iovas(iovad);
    free_global_cached_iovas(iovad);
  }
}

/**
 * Mirrors: drivers/iommu/iova.c free_iova_fast().
 * Puts pfn into the rcache bin order_base_2(size) when that order is cached; otherwise frees
 * the range to the tree with free_iova(). The IOVA stays in the tree while it is cached.
 * Returns nothing.
 */
export function free_iova_fast(iovad: IovaDomain, pfn: number, size: number): void {
  if (iova_rcache_insert(iovad, pfn, size)) return;
  free_iova(iovad, pfn);
}

/* ------------------------------------------------------------------------------------------ */
/* Observers for invariants and tests                                                          */
/* ------------------------------------------------------------------------------------------ */

/** Whether pfn lies in a tree range (allocated, rcache'd or reserved): find_iova() != NULL. */
export function iova_pfn_allocated(iovad: IovaDomain, pfn: number): boolean {
  return findIndex(iovad.ranges, pfn) >= 0;
}

/**
 * Every PFN held by the rcaches with its bin's order, in bin order, then loaded, prev, and
 * depot magazines from the head (most recently pushed) down.
 */
export function iova_cached_pfns(iovad: IovaDomain): { pfn: number; order: number }[] {
  const out: { pfn: number; order: number }[] = [];
  if (iovad.rcaches === null) return out;
  for (let order = 0; order < iovad.rcaches.length; order++) {
    const rcache = iovad.rcaches[order];
    for (const pfn of rcache.loaded) out.push({ pfn, order });
    for (const pfn of rcache.prev) out.push({ pfn, order });
    for (let d = rcache.depot.length - 1; d >= 0; d--) {
      for (const pfn of rcache.depot[d]) out.push({ pfn, order });
    }
  }
  return out;
}
