/**
 * Why this test? Conformance compares the emulator's view with the spec's on every explored step
 * with sameView, a typed field-by-field equality. It must mean exactly what equal viewKey text
 * means: equal for equal views, and unequal when any one leaf differs.
 */
import { describe, expect, test } from 'vitest';
import { type SpecView, sameView, viewKey } from '../../spec/view.js';

const view: SpecView = {
  groups: [
    { default_type: 'DMA', domain: 'default', owner: null, owner_cnt: 0, pasids: [] },
    { default_type: 'DMA_FQ', domain: 'd0', owner: 'vfio', owner_cnt: 2, pasids: [[1, 'd0']] },
  ],
  devices: [
    { bound: true, maps: 1 },
    { bound: false, maps: 0 },
  ],
  user_domains: [0],
  driver_pasids: [3],
  mms: [{ pasid: 1, bonds: [[0, 2]] }],
};

/** Every value of v's type that differs from `v` in one leaf (or in one list's length). */
function oneLeafOff(v: unknown): unknown[] {
  if (Array.isArray(v)) {
    // A pair ([pasid, domain], [dev, users]) keeps its length; a list grows and shrinks.
    const pair = v.length === 2 && v.every((x) => typeof x !== 'object');
    const out: unknown[] = pair ? [] : [[...v, v[0] ?? 0]];
    if (!pair && v.length > 0) out.push(v.slice(0, -1));
    v.forEach((x, i) => {
      for (const y of oneLeafOff(x)) out.push(v.map((z, j) => (j === i ? y : z)));
    });
    return out;
  }
  if (typeof v === 'object' && v !== null) {
    const out: unknown[] = [];
    for (const [k, x] of Object.entries(v))
      for (const y of oneLeafOff(x)) out.push({ ...v, [k]: y });
    return out;
  }
  if (typeof v === 'number') return [v + 1];
  if (typeof v === 'boolean') return [!v];
  if (typeof v === 'string') return [`${v}x`, null];
  return ['x'];
}

describe('sameView', () => {
  test('equal views (a deep copy) are the same', () => {
    expect(sameView(view, JSON.parse(JSON.stringify(view)))).toBe(true);
  });

  test('a view with any one leaf changed is not, as its viewKey text is not', () => {
    const others = oneLeafOff(view) as SpecView[];
    expect(others.length).toBeGreaterThan(20);
    for (const o of others) {
      expect(viewKey(o) === viewKey(view)).toBe(false);
      expect([viewKey(o), sameView(view, o), sameView(o, view)]).toEqual([
        viewKey(o),
        false,
        false,
      ]);
    }
  });
});
