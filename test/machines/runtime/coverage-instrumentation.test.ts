/**
 * The coverage instrumentation of the charts (machines/runtime/chart.ts ObservedChart, createSpecModel's
 * onTransition): it reports the catalog transition each fire took, on memoised fires too, and the
 * instrumented spec behaves exactly as the plain one.
 */
import { describe, expect, test } from 'vitest';
import {
  type GroupEvent,
  iommuGroupMachine,
} from '../../../machines/charts/iommu_group.machine.js';
import { mmMachine } from '../../../machines/charts/mm.machine.js';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { CHARTS, transitionInfo } from '../../../machines/runtime/catalog.js';
import { ObservedChart, type Taken } from '../../../machines/runtime/chart.js';
import type { SpecModel } from '../../../spec/model.js';
import { explore } from '../../../src/check/core/explore.js';
import { builtin } from '../../__helpers__/scenarios.js';

const ATTACH = { current: false, direct_refused: false, fault: false, driver_refused: false };

describe('ObservedChart', () => {
  test('reports the transition taken, fresh the first time and memoised after', () => {
    const seen: { ids: (string | undefined)[]; fresh: boolean }[] = [];
    const chart = new ObservedChart(
      iommuGroupMachine,
      (s) => JSON.stringify([s.value, s.context.owner_cnt, s.context.owner]),
      (_e: GroupEvent, t: Taken) =>
        seen.push({ ids: t.transitions.map((x) => transitionInfo(x)?.id), fresh: t.fresh }),
    );
    const boot = chart.intern(
      iommuGroupMachine.resolveState({
        value: { domain: 'default', ownership: 'unowned' },
        context: {
          dma_ops_reset: false,
          default_type: 'DMA',
          private_domain: null,
          owner: null,
          owner_cnt: 0,
          ret: 0,
          consumed: [],
        },
      }),
    );
    const claim: GroupEvent = {
      type: 'iommu_group_claim_dma_owner',
      owner: 'vfio',
      pasid_array_empty: true,
      attach: ATTACH,
    };
    const first = chart.fire(boot, claim);
    const again = chart.fire(boot, claim);
    expect(again).toBe(first);
    expect(first.next.value).toEqual({ domain: 'blocking', ownership: 'owned' });
    expect(seen).toEqual([
      { ids: ['iommu_group/iommu_group_claim_dma_owner#7'], fresh: true },
      { ids: ['iommu_group/iommu_group_claim_dma_owner#7'], fresh: false },
    ]);
  });

  test('eventless transitions follow the event transition in microstep order', () => {
    const ids: (string | undefined)[] = [];
    const chart = new ObservedChart(
      mmMachine,
      (s) => JSON.stringify(s.context.pasid),
      (_e, t) => ids.push(...t.transitions.map((x) => transitionInfo(x)?.id)),
    );
    const s = chart.intern(
      mmMachine.resolveState({
        value: 'idle',
        context: { pasid: 1, domains: [], ret: 0, consumed: [] },
      }),
    );
    chart.fire(s, { type: 'mm_pasid_drop' });
    expect(ids).toEqual(['mm/mm_pasid_drop#1', 'idle/always#2']);
  });

  test('every transition object of every chart is in the catalog', () => {
    let n = 0;
    for (const c of CHARTS) n += c.transitions.length;
    expect(n).toBe(151);
  });
});

describe('createSpecModel with onTransition', () => {
  test.each(['vtd-sva', 'vtd-pasid', 'mock-untrusted'])(
    '%s: the instrumented spec explores exactly as the plain one',
    (name) => {
      const sc = builtin(name);
      let fires = 0;
      const plain = explore(sc, { spec: createSpecModel(sc) as SpecModel });
      const observed = explore(sc, {
        spec: createSpecModel(sc, {
          onTransition: () => {
            fires++;
          },
        }) as SpecModel,
      });
      expect(observed).toEqual(plain);
      expect(fires).toBeGreaterThan(plain.transitions / 2);
    },
  );
});
