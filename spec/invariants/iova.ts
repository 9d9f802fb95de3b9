/** IOVA allocator invariants (docs/kernel/13-invariants.md §13.21, §13.22). */
import { type Invariant, IOVA_C } from './types.js';

const hex = (n: number) => `0x${n.toString(16)}`;

export const IovaPlacement: Invariant = {
  id: 'IovaPlacement',
  statement:
    'IOVA ranges never overlap each other or reservations, and never start below start_pfn (IOVA 0 is never handed out).',
  citation: `${IOVA_C}: alloc_iova; drivers/iommu/dma-iommu.c: iommu_dma_init_domain`,
  holds(o) {
    for (const d of o.domains) {
      if (d.iova === null) continue;
      const r = d.iova.ranges;
      for (let i = 0; i < r.length; i++) {
        const [lo, hi] = [hex(r[i][0]), hex(r[i][1])];
        if (r[i][0] > r[i][1]) return `domain ${d.id}: empty IOVA range [${lo}, ${hi}]`;
        if (r[i][0] < d.iova.start_pfn)
          return `domain ${d.id}: IOVA range [${lo}, ${hi}] below start_pfn ${hex(d.iova.start_pfn)}`;
        if (i > 0 && r[i - 1][1] >= r[i][0])
          return `domain ${d.id}: IOVA ranges [${hex(r[i - 1][0])}, ${hex(r[i - 1][1])}] and [${lo}, ${hi}] overlap`;
      }
    }
    return null;
  },
};

export const RcacheTyping: Invariant = {
  id: 'RcacheTyping',
  statement:
    "A cached IOVA range is a power of two below 2^(IOVA_RANGE_CACHE_MAX_SIZE-1) granules, sits in its own order's bin, and is still allocated in the tree.",
  citation: `${IOVA_C}: alloc_iova_fast, iova_rcache_insert`,
  holds(o) {
    for (const d of o.domains) {
      if (d.iova === null) continue;
      for (const c of d.iova.cached) {
        if ((c.pages & (c.pages - 1)) !== 0) return `domain ${d.id}: ${c.pages}-page range cached`;
        if (c.bin >= d.iova.bins || 1 << c.bin !== c.pages)
          return `domain ${d.id}: ${c.pages}-page range in bin ${c.bin}`;
        if (!d.iova.ranges.some(([lo, hi]) => lo === c.pfn && hi === c.pfn + c.pages - 1))
          return `domain ${d.id}: cached pfn 0x${c.pfn.toString(16)} is not allocated in the tree`;
      }
    }
    return null;
  },
};
