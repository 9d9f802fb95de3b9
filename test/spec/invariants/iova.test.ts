/** IOVA allocator invariants (spec/invariants/iova.ts) on hand-made observations. */
import { describe, expect, test } from 'vitest';
import { IovaPlacement, RcacheTyping } from '../../../spec/invariants/iova.js';
import type { IovaObs } from '../../../spec/observe.js';
import { dmaDomain, makeObs, staticDomain } from '../../__helpers__/observation.js';

const withIova = (iova: Partial<IovaObs>) =>
  makeObs({
    domains: [
      staticDomain(0, 'IDENTITY'),
      staticDomain(1, 'BLOCKED'),
      dmaDomain(2, {
        iova: { start_pfn: 1, ranges: [], reserved: [], bins: 3, cached: [], ...iova },
      }),
      dmaDomain(3),
    ],
  });

describe('IovaPlacement', () => {
  test('fires on a range below start_pfn (IOVA 0 handed out)', () => {
    expect(IovaPlacement.holds(withIova({ ranges: [[0, 0]] }))).toBe(
      'domain 2: IOVA range [0x0, 0x0] below start_pfn 0x1',
    );
  });
  test('fires on overlapping ranges', () => {
    expect(
      IovaPlacement.holds(
        withIova({
          ranges: [
            [4, 7],
            [7, 8],
          ],
        }),
      ),
    ).toBe('domain 2: IOVA ranges [0x4, 0x7] and [0x7, 0x8] overlap');
  });
  test('holds on adjacent ranges starting at start_pfn', () => {
    expect(
      IovaPlacement.holds(
        withIova({
          ranges: [
            [1, 3],
            [4, 4],
          ],
        }),
      ),
    ).toBeNull();
  });
});

describe('RcacheTyping', () => {
  test('fires on a 3-page range in an rcache', () => {
    expect(
      RcacheTyping.holds(withIova({ ranges: [[4, 6]], cached: [{ pfn: 4, bin: 1, pages: 3 }] })),
    ).toBe('domain 2: 3-page range cached');
  });
  test("fires on a 2-page range in order 0's bin", () => {
    expect(
      RcacheTyping.holds(withIova({ ranges: [[4, 5]], cached: [{ pfn: 4, bin: 0, pages: 2 }] })),
    ).toBe('domain 2: 2-page range in bin 0');
  });
  test('fires on a cached pfn no longer allocated in the tree', () => {
    expect(
      RcacheTyping.holds(withIova({ ranges: [], cached: [{ pfn: 4, bin: 1, pages: 2 }] })),
    ).toBe('domain 2: cached pfn 0x4 is not allocated in the tree');
  });
  test('holds on a 4-page range in bin 2 of 3 (the largest cached order)', () => {
    expect(
      RcacheTyping.holds(withIova({ ranges: [[4, 7]], cached: [{ pfn: 4, bin: 2, pages: 4 }] })),
    ).toBeNull();
  });
});
