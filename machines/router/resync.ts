/**
 * Re-synchronising the spec with an implementation after a divergence (replay goes on from the
 * implementation's state): the groups and devices of the spec state take the values of the
 * implementation's abstract view. The rest (PASID slots, mms, domains) is kept: a divergence
 * there shows again at the next step that reads it.
 */

import type { SpecView } from '../../spec/view.js';
import { dmaMappingMachine } from '../charts/dma_mapping.machine.js';
import { iommuGroupMachine } from '../charts/iommu_group.machine.js';
import type { DefaultTypeName } from '../rules/iommu.js';
import type { Charts } from '../runtime/system.js';
import { currentDomainName, type KernelSpecState } from './state.js';

export function resyncState(charts: Charts, s: KernelSpecState, view: SpecView): KernelSpecState {
  const groups = s.groups.map((g, i) => {
    const v = view.groups[i];
    if (
      v.default_type === g.context.default_type &&
      v.domain === currentDomainName(g) &&
      v.owner === g.context.owner &&
      v.owner_cnt === g.context.owner_cnt
    )
      return g;
    const domain =
      v.domain === 'blocking'
        ? 'blocking'
        : v.domain === 'default'
          ? v.default_type === 'NONE'
            ? 'none'
            : 'default'
          : 'private';
    const ownership = v.owner !== null ? 'owned' : v.owner_cnt > 0 ? 'dma_api' : 'unowned';
    return charts.group.intern(
      iommuGroupMachine.resolveState({
        value: { domain, ownership },
        context: {
          ...g.context,
          default_type: v.default_type as DefaultTypeName,
          private_domain: domain === 'private' ? v.domain : null,
          owner: v.owner,
          owner_cnt: v.owner_cnt,
        },
      }),
    );
  });
  const devices = s.devices.map((d, i) => {
    const v = view.devices[i];
    const bound = d.matches({ driver: 'bound' });
    if (v.bound === bound && v.maps === d.context.maps) return d;
    const value = d.value as { readonly dma_ops: string };
    return charts.device.intern(
      dmaMappingMachine.resolveState({
        value: {
          driver: v.bound ? { bound: v.maps > 0 ? 'mapped' : 'idle' } : 'unbound',
          dma_ops: value.dma_ops,
        },
        // Buffers the spec did not see mapped are unknown (-1): their DMA is not predicted.
        context: {
          ...d.context,
          maps: v.maps,
          bufs: Array.from({ length: v.maps }, (_, k) => d.context.bufs[k] ?? -1),
        },
      }),
    );
  });
  return { ...s, groups, devices };
}
