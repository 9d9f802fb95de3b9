/**
 * drivers/iommu/iova.c rules, each test named after the rule and the kernel function it cites.
 */
import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import {
  __free_iova,
  alloc_iova,
  alloc_iova_fast,
  find_iova,
  free_global_cached_iovas,
  free_iova,
  free_iova_fast,
  IOVA_MAG_SIZE,
  IOVA_RANGE_CACHE_MAX_SIZE,
  init_iova_domain,
  iova_cached_pfns,
  iova_depot_work_func,
  iova_domain_init_rcaches,
  iova_pfn_allocated,
  iova_rcache_range,
  order_base_2,
  put_iova_domain,
  reserve_iova,
  roundup_pow_of_two,
} from '../../src/kernel/iova.js';
import type { IovaDomain } from '../../src/kernel/types.js';

const LIMIT_32 = 2 ** 20 - 1; // DMA_BIT_MASK(32) >> 12

function domain(mag_size = 4, start_pfn = 1): IovaDomain {
  const iovad = init_iova_domain(4096, start_pfn, mag_size);
  expect(iova_domain_init_rcaches(iovad)).toBe(0);
  return iovad;
}

function rangeSize(iovad: IovaDomain, pfn: number): number {
  const r = find_iova(iovad, pfn);
  expect(r).not.toBeNull();
  return r![1] - r![0] + 1;
}

/** No two tree ranges overlap and they are sorted (rbtree order). */
function expectSortedDisjoint(iovad: IovaDomain): void {
  for (let i = 1; i < iovad.ranges.length; i++) {
    expect(iovad.ranges[i][0]).toBeGreaterThan(iovad.ranges[i - 1][1]);
  }
}

describe('helpers', () => {
  it('constants match the kernel (iova.c IOVA_RANGE_CACHE_MAX_SIZE, IOVA_MAG_SIZE)', () => {
    expect(IOVA_RANGE_CACHE_MAX_SIZE).toBe(6);
    expect(IOVA_MAG_SIZE).toBe(127);
  });

  it('roundup_pow_of_two and order_base_2 follow include/linux/log2.h', () => {
    expect([1, 2, 3, 4, 5, 31, 32, 33].map(roundup_pow_of_two)).toEqual([
      1, 2, 4, 4, 8, 32, 32, 64,
    ]);
    expect([0, 1, 2, 3, 4, 5, 32, 33].map(order_base_2)).toEqual([0, 0, 1, 2, 2, 3, 5, 6]);
    expect(roundup_pow_of_two(2 ** 40 + 1)).toBe(2 ** 41);
    expect(order_base_2(2 ** 40 + 1)).toBe(41);
    expect(order_base_2(2 ** 31 + 1)).toBe(32);
  });

  it('iova_rcache_range() is PAGE_SIZE << (IOVA_RANGE_CACHE_MAX_SIZE - 1) = 128 KiB', () => {
    expect(iova_rcache_range()).toBe(128 * 1024);
  });

  it('init_iova_domain sets dma_32bit_pfn = 1 << (32 - iova_shift) and no rcaches', () => {
    const iovad = init_iova_domain(4096, 1, 8);
    expect(iovad.dma_32bit_pfn).toBe(2 ** 20);
    expect(iovad.rcaches).toBeNull();
    iova_domain_init_rcaches(iovad);
    expect(iovad.rcaches).toHaveLength(IOVA_RANGE_CACHE_MAX_SIZE);
  });
});

describe('alloc_iova_fast size rounding (iova.c alloc_iova_fast)', () => {
  it('rounds sizes below 32 granules up to a power of two', () => {
    const iovad = domain();
    for (const [size, want] of [
      [1, 1],
      [3, 4],
      [5, 8],
      [17, 32],
      [31, 32],
    ] as const) {
      const pfn = alloc_iova_fast(iovad, size, LIMIT_32, false);
      expect(pfn).toBeGreaterThan(0);
      expect(rangeSize(iovad, pfn)).toBe(want);
    }
  });

  it('does not round 32 granules or more', () => {
    const iovad = domain();
    for (const size of [32, 33, 48, 100]) {
      const pfn = alloc_iova_fast(iovad, size, LIMIT_32, false);
      expect(rangeSize(iovad, pfn)).toBe(size);
    }
  });

  it('aligns every fast allocation to roundup_pow_of_two(size) (size_aligned = true)', () => {
    const iovad = domain();
    for (let size = 1; size <= 70; size++) {
      const pfn = alloc_iova_fast(iovad, size, LIMIT_32 - size * 3, false);
      expect(pfn).toBeGreaterThan(0);
      expect(pfn % roundup_pow_of_two(size)).toBe(0);
    }
    expectSortedDisjoint(iovad);
  });
});

describe('alloc_iova placement (iova.c alloc_iova, __alloc_and_insert_iova_range)', () => {
  it('places top-down from limit_pfn (inclusive)', () => {
    const iovad = domain();
    expect(alloc_iova(iovad, 1, 0xfff, false)).toBe(0xfff);
    expect(alloc_iova(iovad, 1, 0xfff, false)).toBe(0xffe);
    expect(alloc_iova(iovad, 4, 0xfff, true)).toBe(0xff8);
    expect(alloc_iova(iovad, 3, 0xfff, false)).toBe(0xff5);
    // An aligned request skips the unaligned hole above.
    expect(alloc_iova(iovad, 8, 0xfff, true)).toBe(0xfe8);
  });

  it('fills a hole above lower ranges first when it fits (first fit from the top)', () => {
    const iovad = domain();
    const a = alloc_iova(iovad, 4, 0xff, true); // 0xfc
    const b = alloc_iova(iovad, 4, 0xff, true); // 0xf8
    const c = alloc_iova(iovad, 4, 0xff, true); // 0xf4
    expect([a, b, c]).toEqual([0xfc, 0xf8, 0xf4]);
    expect(free_iova(iovad, b)).toBe(true);
    expect(alloc_iova(iovad, 2, 0xff, true)).toBe(0xfa);
    expect(alloc_iova(iovad, 4, 0xff, true)).toBe(0xf0);
  });

  it('never goes below start_pfn and fails with 0 when nothing fits', () => {
    const iovad = domain(4, 8);
    expect(alloc_iova(iovad, 8, 15, true)).toBe(8);
    expect(alloc_iova(iovad, 1, 15, false)).toBe(0);
    expect(alloc_iova(iovad, 1, 7, false)).toBe(0);
    expect(iovad.ranges).toEqual([[8, 15]]);
  });

  it('never overlaps a reservation (iova.c reserve_iova)', () => {
    const iovad = domain();
    expect(reserve_iova(iovad, 0xf0, 0xfd)).toBe(0);
    expect(alloc_iova(iovad, 2, 0xff, true)).toBe(0xfe);
    // 4 granules do not fit in [0xfe, 0xff] nor above the reservation: below it.
    expect(alloc_iova(iovad, 4, 0xff, true)).toBe(0xec);
    for (let i = 0; i < 200; i++) {
      const pfn = alloc_iova_fast(iovad, 1 + (i % 5), 0xff, false);
      if (pfn === 0) break;
      const r = find_iova(iovad, pfn)!;
      expect(r[1] < 0xf0 || r[0] > 0xfd).toBe(true);
    }
    expectSortedDisjoint(iovad);
    expect(iovad.reserved).toEqual([[0xf0, 0xfd]]);
  });

  it('reserve_iova merges overlapping reservations and keeps a covering one', () => {
    const iovad = domain();
    expect(reserve_iova(iovad, 10, 20)).toBe(0);
    expect(reserve_iova(iovad, 40, 50)).toBe(0);
    expect(reserve_iova(iovad, 15, 45)).toBe(0);
    expect(iovad.reserved).toEqual([[10, 50]]);
    expect(iovad.ranges).toEqual([[10, 50]]);
    expect(reserve_iova(iovad, 12, 14)).toBe(0);
    expect(iovad.reserved).toEqual([[10, 50]]);
    expect(reserve_iova(iovad, 60, 70)).toBe(0);
    expect(iovad.reserved).toEqual([
      [10, 50],
      [60, 70],
    ]);
    expect(reserve_iova(iovad, 9, 8)).toBe(-22);
  });

  it('free_iova removes the range containing pfn (iova.c free_iova, find_iova)', () => {
    const iovad = domain();
    const pfn = alloc_iova(iovad, 8, 0xff, true);
    expect(free_iova(iovad, pfn + 3)).toBe(true);
    expect(iova_pfn_allocated(iovad, pfn)).toBe(false);
    expect(free_iova(iovad, pfn)).toBe(false);
    const again = alloc_iova(iovad, 8, 0xff, true);
    expect(__free_iova(iovad, [again, again + 6])).toBe(false);
    expect(__free_iova(iovad, [again, again + 7])).toBe(true);
    expect(iovad.ranges).toEqual([]);
  });
});

describe('the rcache (iova.c free_iova_fast, __iova_rcache_insert, __iova_rcache_get)', () => {
  it('rcache reuse returns the just-freed pfn, which stays in the tree while cached', () => {
    const iovad = domain();
    const a = alloc_iova_fast(iovad, 3, LIMIT_32, false);
    const b = alloc_iova_fast(iovad, 3, LIMIT_32, false);
    free_iova_fast(iovad, a, 3);
    expect(iova_pfn_allocated(iovad, a)).toBe(true);
    expect(iova_cached_pfns(iovad)).toEqual([{ pfn: a, order: 2 }]);
    expect(alloc_iova_fast(iovad, 4, LIMIT_32, false)).toBe(a);
    expect(iova_cached_pfns(iovad)).toEqual([]);
    free_iova_fast(iovad, b, 4);
    free_iova_fast(iovad, a, 4);
    expect(alloc_iova_fast(iovad, 3, LIMIT_32, false)).toBe(a);
    expect(alloc_iova_fast(iovad, 3, LIMIT_32, false)).toBe(b);
  });

  it('a size of order >= IOVA_RANGE_CACHE_MAX_SIZE goes straight back to the tree', () => {
    const iovad = domain();
    const pfn = alloc_iova_fast(iovad, 33, LIMIT_32, false);
    free_iova_fast(iovad, pfn, 33);
    expect(iova_cached_pfns(iovad)).toEqual([]);
    expect(iova_pfn_allocated(iovad, pfn)).toBe(false);
  });

  it('without rcaches free_iova_fast frees to the tree', () => {
    const iovad = init_iova_domain(4096, 1, 4);
    const pfn = alloc_iova_fast(iovad, 2, LIMIT_32, false);
    free_iova_fast(iovad, pfn, 2);
    expect(iovad.ranges).toEqual([]);
  });

  it('iova_magazine_pop only returns a pfn whose range ends at or below limit_pfn', () => {
    const iovad = domain();
    // high first: the walk starts at cached32_node, so a later, higher limit would land below low
    const high = alloc_iova_fast(iovad, 2, 0xff, false); // 0xfe
    const low = alloc_iova_fast(iovad, 2, 0x7f, false); // 0x7e
    expect([high, low]).toEqual([0xfe, 0x7e]);
    free_iova_fast(iovad, low, 2);
    free_iova_fast(iovad, high, 2);
    // limit 0xfe: high + 1 = 0xff > limit, so the older, lower pfn is popped.
    expect(alloc_iova_fast(iovad, 2, 0xfe, false)).toBe(low);
    expect(iova_cached_pfns(iovad)).toEqual([{ pfn: high, order: 1 }]);
    // Nothing cached fits: the tree walk starts at cached32_node (low, the last range it
    // allocated) and takes the first fit below it, not the free space under the limit.
    const fresh = alloc_iova_fast(iovad, 2, 0xfe, false);
    expect(fresh).toBe(0x7c);
    expect(iova_cached_pfns(iovad)).toEqual([{ pfn: high, order: 1 }]);
  });

  it('a non-empty loaded magazine without a fitting pfn falls back to the tree, not to prev', () => {
    const iovad = domain(2);
    const highs = [alloc_iova_fast(iovad, 1, 0xff, false)];
    const lows = [alloc_iova_fast(iovad, 1, 0x10, false), alloc_iova_fast(iovad, 1, 0x10, false)];
    free_iova_fast(iovad, lows[0], 1);
    free_iova_fast(iovad, lows[1], 1);
    free_iova_fast(iovad, highs[0], 1); // loaded full -> swap: prev = lows, loaded = [high]
    const bin = iovad.rcaches![0];
    expect(bin.prev).toEqual(lows);
    expect(bin.loaded).toEqual(highs);
    const pfn = alloc_iova_fast(iovad, 1, 0x20, false);
    expect(lows).not.toContain(pfn);
    // the tree walk goes on below cached32_node, the last range allocated (lows[1] = 0xf)
    expect(pfn).toBe(0xe);
  });

  it('magazines spill to the depot when loaded and prev are full', () => {
    const iovad = domain(2);
    const p: number[] = [];
    for (let i = 0; i < 5; i++) p.push(alloc_iova_fast(iovad, 1, 0xff, false));
    for (const pfn of p) free_iova_fast(iovad, pfn, 1);
    const bin = iovad.rcaches![0];
    expect(bin.prev).toEqual([p[0], p[1]]);
    expect(bin.depot).toEqual([[p[2], p[3]]]);
    expect(bin.loaded).toEqual([p[4]]);
    // __iova_rcache_get: loaded, then prev swapped in, then a depot magazine.
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(alloc_iova_fast(iovad, 1, 0xff, false));
    expect(got).toEqual([p[4], p[1], p[0], p[3], p[2]]);
    expect(iova_cached_pfns(iovad)).toEqual([]);
    expect(iovad.ranges).toHaveLength(5);
  });

  it('iova_depot_work_func trims each depot to num_online_cpus() = 1 magazine', () => {
    const iovad = domain(1);
    const p: number[] = [];
    for (let i = 0; i < 6; i++) p.push(alloc_iova_fast(iovad, 1, 0xff, false));
    for (const pfn of p) free_iova_fast(iovad, pfn, 1);
    const bin = iovad.rcaches![0];
    expect(bin.depot).toEqual([[p[1]], [p[2]], [p[3]], [p[4]]]);
    iova_depot_work_func(iovad);
    // LIFO depot: the most recently pushed magazines are freed first.
    expect(bin.depot).toEqual([[p[1]]]);
    for (const pfn of [p[2], p[3], p[4]]) expect(iova_pfn_allocated(iovad, pfn)).toBe(false);
    for (const pfn of [p[0], p[1], p[5]]) expect(iova_pfn_allocated(iovad, pfn)).toBe(true);
    free_global_cached_iovas(iovad);
    expect(bin.depot).toEqual([]);
    expect(iova_pfn_allocated(iovad, p[1])).toBe(false);
  });

  it('flush_rcache frees every cached IOVA and retries once (iova.c alloc_iova_fast)', () => {
    const iovad = domain(2);
    const p: number[] = [];
    for (let i = 0; i < 15; i++) p.push(alloc_iova_fast(iovad, 1, 15, false));
    expect(alloc_iova_fast(iovad, 1, 15, false)).toBe(0);
    for (const pfn of p) free_iova_fast(iovad, pfn, 1);
    expect(iovad.ranges).toHaveLength(15);
    // Order 1 misses the rcache and the tree is full of cached order-0 IOVAs.
    expect(alloc_iova_fast(iovad, 2, 15, false)).toBe(0);
    expect(iova_cached_pfns(iovad)).toHaveLength(15);
    expect(alloc_iova_fast(iovad, 2, 15, true)).toBe(14);
    expect(iova_cached_pfns(iovad)).toEqual([]);
    expect(iovad.ranges).toEqual([[14, 15]]);
  });

  it('put_iova_domain frees every range, reservation and cache', () => {
    const iovad = domain();
    reserve_iova(iovad, 1, 4);
    const pfn = alloc_iova_fast(iovad, 1, 0xff, false);
    alloc_iova_fast(iovad, 1, 0xff, false);
    free_iova_fast(iovad, pfn, 1);
    put_iova_domain(iovad);
    expect(iovad.ranges).toEqual([]);
    expect(iovad.reserved).toEqual([]);
    expect(iovad.rcaches).toBeNull();
  });
});

type Op =
  | { kind: 'alloc'; size: number; limit: number; flush: boolean }
  | { kind: 'free'; pick: number }
  | { kind: 'work' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('alloc' as const),
      size: fc.integer({ min: 1, max: 40 }),
      limit: fc.constantFrom(63, 127, 255),
      flush: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('work' as const) }) },
);

test('rcache typing: every cached pfn is a live, aligned power-of-two range of its bin order', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 80 }), fc.integer({ min: 1, max: 3 }), (ops, mag) => {
      const iovad = domain(mag);
      reserve_iova(iovad, 40, 47);
      const live: { pfn: number; size: number }[] = [];
      for (const op of ops) {
        if (op.kind === 'alloc') {
          const pfn = alloc_iova_fast(iovad, op.size, op.limit, op.flush);
          if (pfn !== 0) {
            const r = find_iova(iovad, pfn)!;
            expect(r[0]).toBe(pfn);
            expect(r[1]).toBeLessThanOrEqual(op.limit);
            expect(pfn % roundup_pow_of_two(op.size)).toBe(0);
            expect(live.some((l) => l.pfn === pfn)).toBe(false);
            live.push({ pfn, size: op.size });
          }
        } else if (op.kind === 'free') {
          if (live.length > 0) {
            const [l] = live.splice(op.pick % live.length, 1);
            free_iova_fast(iovad, l.pfn, l.size);
          }
        } else {
          iova_depot_work_func(iovad);
        }
        expectSortedDisjoint(iovad);
        const cached = iova_cached_pfns(iovad);
        const seen = new Set<number>();
        for (const { pfn, order } of cached) {
          expect(order).toBeLessThan(IOVA_RANGE_CACHE_MAX_SIZE);
          const r = find_iova(iovad, pfn);
          expect(r).not.toBeNull();
          expect(r![0]).toBe(pfn);
          expect(r![1] - r![0] + 1).toBe(2 ** order);
          expect(pfn % 2 ** order).toBe(0);
          expect(seen.has(pfn)).toBe(false);
          expect(live.some((l) => l.pfn === pfn)).toBe(false);
          seen.add(pfn);
        }
        for (const bin of iovad.rcaches!) {
          expect(bin.loaded.length).toBeLessThanOrEqual(mag);
          expect(bin.prev.length).toBeLessThanOrEqual(mag);
          for (const m of bin.depot) expect(m).toHaveLength(mag);
        }
        // Tree = reservations + live allocations + cached IOVAs, nothing else.
        expect(iovad.ranges.length).toBe(1 + live.length + cached.length);
        expect(find_iova(iovad, 40)).toEqual([40, 47]);
      }
    }),
    { seed: 42, numRuns: 300 },
  );
});

describe('the search start (iova.c cached32_node, __cached_rbnode_insert_update/delete_update)', () => {
  // Measured: Linux 6.12.118 and 6.1.0-57 under QEMU's VT-d (conform/traces/dma-lazy.json):
  // dma_map_single of 1, then 3 pages (rounded to 4, aligned), then 1 page on a fresh DMA domain
  // returned 0xfffff000, 0xffff8000, 0xffff7000: the third page went below the 4-page range,
  // not into the free pfns 0xffffc-0xffffe above it.
  it('a new range goes below the last one allocated, not into a gap above it', () => {
    const iovad = domain();
    expect(alloc_iova_fast(iovad, 1, LIMIT_32, false)).toBe(0xfffff);
    expect(alloc_iova_fast(iovad, 3, LIMIT_32, false)).toBe(0xffff8);
    expect(alloc_iova_fast(iovad, 1, LIMIT_32, false)).toBe(0xffff7);
  });

  it('freeing a range at or above the cached node moves the start up past it', () => {
    const iovad = domain();
    const a = alloc_iova_fast(iovad, 1, LIMIT_32, false); // 0xfffff
    const b = alloc_iova_fast(iovad, 1, LIMIT_32, false); // 0xffffe
    free_iova(iovad, b); // the cached node: the start moves to rb_next(b) = a
    expect(alloc_iova_fast(iovad, 1, LIMIT_32, false)).toBe(0xffffe);
    free_iova(iovad, a); // above the cached node: the start moves to rb_next(a), the anchor
    expect(alloc_iova_fast(iovad, 1, LIMIT_32, false)).toBe(0xfffff);
  });

  it('a 32-bit allocation that failed fails at once for that size until 32-bit space is freed', () => {
    const iovad = init_iova_domain(4096, 1, 4);
    expect(alloc_iova(iovad, 8, 7, true)).toBe(0); // pfns 1..7: no 8-page fit
    expect(iovad.max32_alloc_size).toBe(8);
    const p = alloc_iova(iovad, 2, 7, true);
    expect(p).toBe(6);
    free_iova(iovad, p);
    expect(iovad.max32_alloc_size).toBe(iovad.dma_32bit_pfn);
  });
});
