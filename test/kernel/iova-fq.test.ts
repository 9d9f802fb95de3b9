/**
 * drivers/iommu/dma-iommu.c flush-queue rules, each test named after the rule and the kernel
 * function it cites.
 */
import { describe, expect, it } from 'vitest';
import {
  alloc_iova_fast,
  init_iova_domain,
  iova_cached_pfns,
  iova_domain_init_rcaches,
  iova_pfn_allocated,
} from '../../src/kernel/iova.js';
import {
  fq_flush_iotlb,
  fq_flush_timeout,
  fq_full,
  fq_ring_free_locked,
  IOVA_DEFAULT_FQ_SIZE,
  iommu_dma_free_fq,
  iommu_dma_init_fq,
  putIovaCookie,
  queue_iova,
} from '../../src/kernel/iova-fq.js';
import type { IommuDmaCookie, IovaFq } from '../../src/kernel/types.js';

const LIMIT = 0xfff;

function cookie(fq_size = IOVA_DEFAULT_FQ_SIZE): IommuDmaCookie {
  const iovad = init_iova_domain(4096, 1, 8);
  iova_domain_init_rcaches(iovad);
  const c: IommuDmaCookie = { iovad, fq: null };
  expect(iommu_dma_init_fq(c, fq_size)).toBe(0);
  return c;
}

function fqOf(c: IommuDmaCookie): IovaFq {
  expect(c.fq).not.toBeNull();
  return c.fq!;
}

/** A driver flush that counts its calls. */
function counter(): { calls: number; flush: () => void } {
  const f = {
    calls: 0,
    flush: () => {
      f.calls++;
    },
  };
  return f;
}

function cachedPfns(c: IommuDmaCookie): number[] {
  return iova_cached_pfns(c.iovad).map((e) => e.pfn);
}

describe('flush queue (dma-iommu.c)', () => {
  it('iommu_dma_init_fq is idempotent: a second call keeps the live queue', () => {
    const c = cookie();
    const fq = fqOf(c);
    expect(fq).toEqual({
      entries: [],
      size: IOVA_DEFAULT_FQ_SIZE,
      fq_flush_start_cnt: 0,
      fq_flush_finish_cnt: 0,
      fq_timer_on: false,
    });
    const drv = counter();
    queue_iova(c, alloc_iova_fast(c.iovad, 1, LIMIT, false), 1, drv.flush);
    fq_flush_iotlb(c, drv.flush);
    expect(iommu_dma_init_fq(c, 16)).toBe(0);
    expect(c.fq).toBe(fq);
    expect(fq.size).toBe(IOVA_DEFAULT_FQ_SIZE);
    expect(fq.entries).toHaveLength(1);
    expect(fq.fq_flush_start_cnt).toBe(1);
  });

  it('iommu_dma_init_fq rejects a ring size that is not a power of two >= 2', () => {
    const c: IommuDmaCookie = { iovad: init_iova_domain(4096, 1, 8), fq: null };
    expect(iommu_dma_init_fq(c, 3)).toBe(-22);
    expect(iommu_dma_init_fq(c, 1)).toBe(-22);
    expect(c.fq).toBeNull();
  });

  it('queue_iova records counter = fq_flush_start_cnt and arms the timer', () => {
    const c = cookie();
    const drv = counter();
    const a = alloc_iova_fast(c.iovad, 2, LIMIT, false);
    queue_iova(c, a, 2, drv.flush);
    expect(fqOf(c).entries).toEqual([{ iova_pfn: a, pages: 2, counter: 0 }]);
    expect(fqOf(c).fq_timer_on).toBe(true);
    expect(drv.calls).toBe(0);
    // Still allocated and not reusable: neither freed nor cached.
    expect(iova_pfn_allocated(c.iovad, a)).toBe(true);
    expect(cachedPfns(c)).toEqual([]);
    expect(alloc_iova_fast(c.iovad, 2, LIMIT, false)).not.toBe(a);
  });

  it('fq_flush_iotlb counts start before and finish after the driver flush', () => {
    const c = cookie();
    const seen: [number, number][] = [];
    fq_flush_iotlb(c, () => {
      seen.push([fqOf(c).fq_flush_start_cnt, fqOf(c).fq_flush_finish_cnt]);
    });
    expect(seen).toEqual([[1, 0]]);
    expect(fqOf(c).fq_flush_finish_cnt).toBe(1);
  });

  it('an entry is not freed until a flush that started after it was queued has finished', () => {
    const c = cookie();
    const a = alloc_iova_fast(c.iovad, 1, LIMIT, false);
    const b = alloc_iova_fast(c.iovad, 1, LIMIT, false);
    const drv = counter();
    queue_iova(c, a, 1, drv.flush);
    // b is queued while a flush is in flight: that flush started before b was queued.
    fq_flush_iotlb(c, () => queue_iova(c, b, 1, drv.flush));
    expect(fqOf(c).entries.map((e) => [e.iova_pfn, e.counter])).toEqual([
      [a, 0],
      [b, 1],
    ]);
    fq_ring_free_locked(c);
    expect(cachedPfns(c)).toEqual([a]);
    expect(fqOf(c).entries.map((e) => e.iova_pfn)).toEqual([b]);
    fq_flush_iotlb(c, drv.flush);
    fq_ring_free_locked(c);
    expect(cachedPfns(c)).toEqual([a, b]);
    expect(fqOf(c).entries).toEqual([]);
  });

  it('fq_ring_free_locked stops at the first entry not yet flushed (ring order)', () => {
    const c = cookie();
    const fq = fqOf(c);
    fq.entries.push(
      { iova_pfn: alloc_iova_fast(c.iovad, 1, LIMIT, false), pages: 1, counter: 0 },
      { iova_pfn: alloc_iova_fast(c.iovad, 1, LIMIT, false), pages: 1, counter: 3 },
      { iova_pfn: alloc_iova_fast(c.iovad, 1, LIMIT, false), pages: 1, counter: 0 },
    );
    fq.fq_flush_start_cnt = 1;
    fq.fq_flush_finish_cnt = 1;
    fq_ring_free_locked(c);
    expect(fq.entries.map((e) => e.counter)).toEqual([3, 0]);
    expect(cachedPfns(c)).toHaveLength(1);
  });

  it('queue_iova reaps entries flushed elsewhere before queueing', () => {
    const c = cookie();
    const drv = counter();
    const a = alloc_iova_fast(c.iovad, 1, LIMIT, false);
    queue_iova(c, a, 1, drv.flush);
    fq_flush_iotlb(c, drv.flush);
    expect(cachedPfns(c)).toEqual([]);
    queue_iova(c, alloc_iova_fast(c.iovad, 1, LIMIT, false), 1, drv.flush);
    expect(cachedPfns(c)).toEqual([a]);
    expect(drv.calls).toBe(1);
  });

  it('a full queue flushes, frees, then queues (fq_full holds size - 1 entries)', () => {
    const c = cookie(4);
    const drv = counter();
    const pfns: number[] = [];
    for (let i = 0; i < 4; i++) pfns.push(alloc_iova_fast(c.iovad, 1, LIMIT, false));
    for (let i = 0; i < 3; i++) queue_iova(c, pfns[i], 1, drv.flush);
    expect(fq_full(fqOf(c))).toBe(true);
    expect(drv.calls).toBe(0);
    expect(cachedPfns(c)).toEqual([]);
    queue_iova(c, pfns[3], 1, drv.flush);
    expect(drv.calls).toBe(1);
    expect(cachedPfns(c).sort((x, y) => x - y)).toEqual(pfns.slice(0, 3).sort((x, y) => x - y));
    expect(fqOf(c).entries).toEqual([{ iova_pfn: pfns[3], pages: 1, counter: 1 }]);
  });

  it('fq_flush_timeout disarms the timer, flushes and frees; the next queue re-arms it', () => {
    const c = cookie();
    const drv = counter();
    const a = alloc_iova_fast(c.iovad, 4, LIMIT, false);
    queue_iova(c, a, 3, drv.flush);
    expect(fqOf(c).fq_timer_on).toBe(true);
    fq_flush_timeout(c, drv.flush);
    expect(fqOf(c).fq_timer_on).toBe(false);
    expect(drv.calls).toBe(1);
    expect(fqOf(c).entries).toEqual([]);
    // free_iova_fast bins 3 pages by order_base_2(3) = 2.
    expect(iova_cached_pfns(c.iovad)).toEqual([{ pfn: a, order: 2 }]);
    queue_iova(c, alloc_iova_fast(c.iovad, 1, LIMIT, false), 1, drv.flush);
    expect(fqOf(c).fq_timer_on).toBe(true);
  });

  it('iommu_dma_free_fq drops queued entries without flushing or freeing their IOVAs', () => {
    const c = cookie();
    const drv = counter();
    const a = alloc_iova_fast(c.iovad, 1, LIMIT, false);
    queue_iova(c, a, 1, drv.flush);
    iommu_dma_free_fq(c);
    expect(c.fq).toBeNull();
    expect(drv.calls).toBe(0);
    expect(iova_pfn_allocated(c.iovad, a)).toBe(true);
    expect(cachedPfns(c)).toEqual([]);
    iommu_dma_free_fq(c);
    expect(c.fq).toBeNull();
  });

  it('putIovaCookie (the IOVA half of iommu_put_dma_cookie) tears down the queue and the IOVA domain', () => {
    const c = cookie();
    const drv = counter();
    queue_iova(c, alloc_iova_fast(c.iovad, 1, LIMIT, false), 1, drv.flush);
    putIovaCookie(c);
    expect(c.fq).toBeNull();
    expect(c.iovad.ranges).toEqual([]);
    expect(c.iovad.rcaches).toBeNull();
  });
});
