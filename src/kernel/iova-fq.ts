/**
 * The flush-queue half of drivers/iommu/dma-iommu.c, one CPU.
 *
 * Sources read: drivers/iommu/dma-iommu.c (~v6.10-6.13, the reference's [DMA] key):
 * fq_full(), fq_ring_add(), fq_ring_free_locked(), fq_flush_iotlb(), fq_flush_timeout(),
 * queue_iova(), iommu_dma_free_fq(), iommu_dma_free_fq_percpu/single(), iommu_dma_init_fq(),
 * putIovaCookie() (the IOVA-cookie half of iommu_put_dma_cookie()).
 *
 * Model: `fq.entries` is the ring from head (index 0) to tail. The kernel ring has `size` slots
 * and fq_full() is ((tail + 1) & mod_mask) == head, so it holds at most size - 1 entries; the
 * model keeps that capacity. The freelist of page-table pages travels with each entry in the
 * kernel; here only the IOVA is tracked. The timer only records whether it is armed
 * (fq_timer_on); the caller decides when fq_flush_timeout() runs.
 *
 * The IOTLB invalidation itself is the driver's: `flush_iotlb_all` is
 * cookie->fq_domain->ops->flush_iotlb_all(cookie->fq_domain).
 */
import { EINVAL } from '../../spec/errno.js';
import { free_iova_fast, put_iova_domain } from './iova.js';
import type { IommuDmaCookie, IovaFq } from './types.js';

/** drivers/iommu/dma-iommu.c IOVA_DEFAULT_FQ_SIZE: entries per per-CPU queue. */
export const IOVA_DEFAULT_FQ_SIZE = 256;
/** drivers/iommu/dma-iommu.c IOVA_SINGLE_FQ_SIZE: entries of the single queue. */
export const IOVA_SINGLE_FQ_SIZE = 32768;
/** drivers/iommu/dma-iommu.c IOVA_DEFAULT_FQ_TIMEOUT, in ms. */
export const IOVA_DEFAULT_FQ_TIMEOUT = 10;
/** drivers/iommu/dma-iommu.c IOVA_SINGLE_FQ_TIMEOUT, in ms. */
export const IOVA_SINGLE_FQ_TIMEOUT = 1000;

/**
 * Mirrors: drivers/iommu/dma-iommu.c fq_full().
 * Returns whether the ring has no free slot: it holds fq->size - 1 entries.
 */
export function fq_full(fq: IovaFq): boolean {
  return fq.entries.length >= fq.size - 1;
}

/**
 * Mirrors: drivers/iommu/dma-iommu.c iommu_dma_init_fq() with iommu_dma_init_one_fq().
 * Idempotent: returns 0 at once if the cookie already has a queue (cookie->fq_domain set).
 * Otherwise zeroes both flush counters, creates an empty ring of `size` slots with the timer
 * disarmed, publishes it and returns 0. `size` must be a power of two >= 2 (the ring's
 * mod_mask); the kernel only uses the constants above, the model returns -EINVAL otherwise.
 */
export function iommu_dma_init_fq(cookie: IommuDmaCookie, size: number): number {
  if (cookie.fq !== null) return 0;
  if (!Number.isSafeInteger(size) || size < 2 || size !== 2 ** Math.round(Math.log2(size))) {
    return -EINVAL;
  }
  cookie.fq = {
    entries: [],
    size,
    fq_flush_start_cnt: 0,
    fq_flush_finish_cnt: 0,
    fq_timer_on: false,
  };
  return 0;
}

/**
 * Mirrors: drivers/iommu/dma-iommu.c fq_ring_free_locked().
 * Walks the ring from the head and, for every entry whose counter < fq_flush_finish_cnt (a
 * flush that started after it was queued has finished), returns its IOVA with free_iova_fast()
 * and advances the head; stops at the first entry not yet covered. Returns nothing.
 */
export function fq_ring_free_locked(cookie: IommuDmaCookie): void {
  const fq = cookie.fq;
  if (fq === null) return;
  const counter = fq.fq_flush_finish_cnt;
  const entries = fq.entries;
  let n = 0;
  while (n < entries.length && entries[n].counter < counter) {
    free_iova_fast(cookie.iovad, entries[n].iova_pfn, entries[n].pages);
    n++;
  }
  if (n > 0) entries.splice(0, n);
}

/**
 * Mirrors: drivers/iommu/dma-iommu.c fq_flush_iotlb().
 * Increments fq_flush_start_cnt, invalidates the whole IOTLB through the driver, then
 * increments fq_flush_finish_cnt. Returns nothing.
 */
export function fq_flush_iotlb(cookie: IommuDmaCookie, flush_iotlb_all: () => void): void {
  const fq = cookie.fq;
  if (fq === null) return;
  fq.fq_flush_start_cnt++;
  flush_iotlb_all();
  fq.fq_flush_finish_cnt++;
}

/**
 * Mirrors: drivers/iommu/dma-iommu.c fq_flush_timeout().
 * Disarms the timer, flushes the IOTLB (fq_flush_iotlb) and frees every entry the flush
 * covered (fq_ring_free for the one queue). Returns nothing.
 */
export function fq_flush_timeout(cookie: IommuDmaCookie, flush_iotlb_all: () => void): void {
  const fq = cookie.fq;
  if (fq === null) return;
  fq.fq_timer_on = false;
  fq_flush_iotlb(cookie, flush_iotlb_all);
  fq_ring_free_locked(cookie);
}

/**
 * Mirrors: drivers/iommu/dma-iommu.c queue_iova().
 * Reaps entries already flushed (fq_ring_free_locked); if the ring is still full, flushes
 * (fq_flush_iotlb) and reaps again; appends {iova_pfn, pages, counter = fq_flush_start_cnt};
 * then arms the timer if it is not armed. `pages` is the unmapped size in granules, as
 * iommu_dma_free_iova passes it (free_iova_fast later bins it by order_base_2(pages)).
 * The caller only queues when the cookie has a queue (gather.queued = cookie->fq_domain);
 * without one this is a no-op. Returns nothing.
 */
export function queue_iova(
  cookie: IommuDmaCookie,
  iova_pfn: number,
  pages: number,
  flush_iotlb_all: () => void,
): void {
  const fq = cookie.fq;
  if (fq === null) return;

  fq_ring_free_locked(cookie);

  if (fq_full(fq)) {
    fq_flush_iotlb(cookie, flush_iotlb_all);
    fq_ring_free_locked(cookie);
  }

  fq.entries.push({ iova_pfn, pages, counter: fq.fq_flush_start_cnt });

  if (!fq.fq_timer_on) fq.fq_timer_on = true;
}

/**
 * Mirrors: drivers/iommu/dma-iommu.c iommu_dma_free_fq() with iommu_dma_free_fq_percpu/single().
 * No-op without a queue. Otherwise stops the timer (del_timer_sync) and frees the queued
 * entries' page-table pages only: there is no final flush and the queued IOVAs are NOT returned
 * to the allocator ("The IOVAs will be torn down separately" - put_iova_domain follows in
 * iommu_put_dma_cookie). The queue is dropped (the kernel frees it with the cookie).
 * Returns nothing.
 */
export function iommu_dma_free_fq(cookie: IommuDmaCookie): void {
  const fq = cookie.fq;
  if (fq === null) return;
  fq.fq_timer_on = false;
  fq.entries.length = 0;
  cookie.fq = null;
}

/**
 * The IOVA-cookie half of drivers/iommu/dma-iommu.c iommu_put_dma_cookie() (src/kernel/dma-iommu.ts):
 * tears the queue down (iommu_dma_free_fq) and destroys the IOVA domain (put_iova_domain).
 * Returns nothing; the caller drops the cookie itself (domain->iova_cookie = NULL).
 */
export function putIovaCookie(cookie: IommuDmaCookie): void {
  iommu_dma_free_fq(cookie);
  put_iova_domain(cookie.iovad);
}
