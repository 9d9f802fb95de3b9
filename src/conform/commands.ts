/**
 * A trace as the guest agent's command lines (agent/README.md has the protocol): the set-up
 * lines naming the scenario's devices, groups and buffers, then one line per step, up to the
 * first step a real kernel under QEMU cannot perform. Pure.
 */
import type { CallName } from '../../spec/calls.js';
import type { TraceStep } from '../../spec/trace.js';
import type { Machine } from './machine.js';

/** A step the real kernel is not asked to perform, and why; the trace stops there. */
export interface Unsupported {
  readonly index: number;
  readonly call: string;
  readonly reason: string;
}

/** Calls no QEMU machine can express, with the reason (the rest go to the agent). */
export const HOST_UNSUPPORTED: Partial<Record<CallName, string>> = {
  fault_inject: 'injected driver-op faults have no real-kernel counterpart',
  hw_step:
    'hw_step interleaves SMMUv3 STE/CD writes sync by sync; the kernel performs them inside one call',
  device_dma:
    "device_dma needs a device that performs DMA (QEMU's edu device); the agent does not drive one yet",
  iommu_sva_bind_device:
    "SVA needs a PASID- and PRI-capable device; QEMU's emulated PCI devices have neither",
  iommu_sva_unbind_device:
    "SVA needs a PASID- and PRI-capable device; QEMU's emulated PCI devices have neither",
  iommu_sva_get_pasid:
    "SVA needs a PASID- and PRI-capable device; QEMU's emulated PCI devices have neither",
  mm_pasid_drop: 'mm_pasid_drop runs when a process exits; the agent binds no process mm',
  dma_set_max_opt_size: 'dma_set_max_opt_size was proposed on the list and never merged',
};

/** Percent-encoding of one protocol token: no spaces, and '%' and a leading '@' escaped. */
export function encodeToken(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c <= 0x20 || c >= 0x7f || ch === '%' || ch === '@' || ch === '=') {
      for (const b of new TextEncoder().encode(ch)) out += `%${b.toString(16).padStart(2, '0')}`;
    } else out += ch;
  }
  return out;
}

export interface AgentPlan {
  /** "<id> <command>" lines; id "-" for set-up, the step index for a step. */
  readonly lines: readonly string[];
  /** The first step not sent, when the trace stops early. */
  readonly stop: Unsupported | null;
}

function stepLine(step: TraceStep): string | Unsupported {
  const reason = HOST_UNSUPPORTED[step.call];
  if (reason !== undefined) return { index: step.index, call: step.call, reason };
  if (
    (step.call === 'iommu_attach_device_pasid' || step.call === 'iommu_replace_device_pasid') &&
    step.args.handle !== undefined
  ) {
    return {
      index: step.index,
      call: step.call,
      reason:
        'an iommu_attach_handle is iommufd-internal; the agent attaches with handle NULL only',
    };
  }
  if (step.call === 'iommu_group_store_type' && step.args.type === '') {
    return {
      index: step.index,
      call: step.call,
      reason:
        'a zero-length sysfs write never reaches iommu_group_store_type (fs/sysfs/file.c: sysfs_kf_write returns 0 for count 0)',
    };
  }
  const parts = [`call ${step.call}`];
  for (const [k, v] of Object.entries(step.args)) {
    if (v === null) continue; // a NULL owner: the agent passes NULL for an absent owner
    if (k === 'iova' && typeof v === 'string') parts.push(`iova=@${encodeToken(v)}`);
    else parts.push(`${k}=${encodeToken(String(v))}`);
  }
  if (step.as !== undefined) parts.push(`as=${encodeToken(step.as)}`);
  return `${step.index} ${parts.join(' ')}`;
}

/** The agent's command lines for a trace on a machine. */
export function planAgent(machine: Machine, steps: readonly TraceStep[]): AgentPlan {
  const lines: string[] = [];
  for (const d of machine.devices)
    lines.push(`- dev ${encodeToken(d.name)} ${d.bdf} ${encodeToken(d.driver)}`);
  // every member, so the host can check that the guest's groups are the scenario's
  for (const d of machine.devices)
    lines.push(`- group ${encodeToken(d.group)} ${encodeToken(d.name)}`);
  for (const b of machine.buffers) lines.push(`- buf ${encodeToken(b.name)} ${b.size}`);
  // the emulator boots with no driver bound; the guest's built-in drivers bound at boot
  lines.push('- unbind_all');
  for (const step of steps) {
    const l = stepLine(step);
    if (typeof l !== 'string') return { lines, stop: l };
    lines.push(l);
  }
  return { lines, stop: null };
}
