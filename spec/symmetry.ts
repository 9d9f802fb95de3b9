/**
 * Symmetry over interchangeable devices (TLC's SYMMETRY, SPIN's scalarsets): the scenario's
 * `symmetry` classes name devices that no rule can tell apart, so a state and the state with those
 * devices relabelled have the same futures. A permutation here relabels devices and, with them,
 * their groups: every member of a class is alone in its group (the validation rule below), so a
 * device permutation induces one on groups.
 *
 * The soundness rule (enforced by `symmetryIssues`, called from the scenario schema): the members
 * of a class
 *   - are behind the same IOMMU instance,
 *   - have identical device properties (max_pasids, untrusted, require_direct, shadow_on_flush,
 *     pci, dma_mask_bits),
 *   - are not require_direct (each such device owns its own firmware page, spec/layout.ts
 *     directPfn, which a relabelling would not move),
 *   - are each alone in their group (a permutation then maps the group structure onto itself),
 *   - belong to one class only.
 * No other scenario part names a device: faults name ops, buffers are global, witnesses are
 * judged by `coverage`, which explores without symmetry.
 */
import type { KernelEvent } from './events.js';
import { groupOfDevice } from './group-numbering.js';

/** A relabelling: device d becomes dev[d], group g becomes group[g]. */
export interface DevicePermutation {
  readonly dev: readonly number[];
  readonly group: readonly number[];
}

/** The largest symmetry group the explorer enumerates (6! = 720). */
export const MAX_SYMMETRY_PERMUTATIONS = 720;

/** The device properties that must agree within a class (spec/scenario.ts deviceSchema). */
export const SYMMETRIC_PROPERTIES = [
  'max_pasids',
  'untrusted',
  'require_direct',
  'shadow_on_flush',
  'pci',
  'dma_mask_bits',
] as const;

interface DeviceLike {
  readonly name: string;
  readonly iommu: string;
  readonly group: string;
  readonly max_pasids: number;
  readonly untrusted: boolean;
  readonly require_direct: boolean;
  readonly shadow_on_flush: boolean;
  readonly pci: boolean;
  readonly dma_mask_bits: number;
}

/** What the symmetry rules read of a scenario (a structural type: no import cycle). */
export interface SymmetricScenario {
  readonly devices: readonly DeviceLike[];
  readonly symmetry: readonly (readonly string[])[];
}

export interface SymmetryIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

/** Why the scenario's classes are not interchangeable devices, one issue per reason. */
export function symmetryIssues(s: SymmetricScenario): SymmetryIssue[] {
  const out: SymmetryIssue[] = [];
  const byName = new Map(s.devices.map((d) => [d.name, d]));
  const classOf = new Map<string, number>();
  s.symmetry.forEach((cls, i) => {
    let first: DeviceLike | undefined;
    cls.forEach((n, j) => {
      const path = ['symmetry', i, j];
      const d = byName.get(n);
      if (d === undefined) return; // reported as an unknown device
      const seen = classOf.get(n);
      if (seen !== undefined) {
        out.push({
          path,
          message:
            seen === i
              ? `device "${n}" is listed twice in this class`
              : `device "${n}" is already in symmetry class ${seen}; a device belongs to one class`,
        });
        return;
      }
      classOf.set(n, i);
      if (d.require_direct)
        out.push({
          path,
          message: `device "${n}" is require_direct: its IOMMU_RESV_DIRECT page is its own, so it is not interchangeable`,
        });
      const mates = s.devices.filter((o) => o.group === d.group && o.name !== n);
      if (mates.length > 0)
        out.push({
          path,
          message: `device "${n}" shares group "${d.group}" with "${mates[0].name}"; a device in a symmetry class must be alone in its group`,
        });
      if (first === undefined) {
        first = d;
        return;
      }
      if (d.iommu !== first.iommu)
        out.push({
          path,
          message: `device "${n}" is behind IOMMU "${d.iommu}" but "${first.name}" is behind "${first.iommu}"; interchangeable devices share an IOMMU`,
        });
      for (const p of SYMMETRIC_PROPERTIES) {
        if (d[p] !== first[p])
          out.push({
            path,
            message: `device "${n}" has ${p}=${String(d[p])} but "${first.name}" has ${p}=${String(first[p])}; interchangeable devices have identical properties`,
          });
      }
    });
  });
  const size = s.symmetry.reduce((n, cls) => n * factorial(new Set(cls).size), 1);
  if (size > MAX_SYMMETRY_PERMUTATIONS)
    out.push({
      path: ['symmetry'],
      message: `the classes make ${size} permutations; at most ${MAX_SYMMETRY_PERMUTATIONS} are enumerated (split or shrink the classes)`,
    });
  return out;
}

function permutationsOf(items: readonly number[]): number[][] {
  if (items.length <= 1) return [items.slice()];
  const out: number[][] = [];
  items.forEach((x, i) => {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const p of permutationsOf(rest)) out.push([x, ...p]);
  });
  return out;
}

/** Groups in order of first appearance, as the emulator and the charts number them. */
function groupIndexOfDevice(devices: readonly DeviceLike[]): number[] {
  return devices.map((_, dev) => groupOfDevice({ devices }, dev));
}

/**
 * Every element of the symmetry group (the product of the classes' permutation groups), the
 * identity first. Assumes a scenario that passed validation.
 */
export function symmetryPermutations(s: SymmetricScenario): DevicePermutation[] {
  const devIndex = new Map(s.devices.map((d, i) => [d.name, i]));
  const groupOf = groupIndexOfDevice(s.devices);
  const groupCount = groupOf.reduce((n, g) => Math.max(n, g + 1), 0);
  let perms: number[][] = [s.devices.map((_, i) => i)];
  for (const cls of s.symmetry) {
    const members = cls.map((n) => devIndex.get(n) ?? -1).filter((i) => i >= 0);
    const next: number[][] = [];
    for (const base of perms) {
      for (const images of permutationsOf(members)) {
        const p = base.slice();
        members.forEach((m, k) => {
          p[m] = images[k];
        });
        next.push(p);
      }
    }
    perms = next;
  }
  return perms.map((dev) => {
    const group = Array.from({ length: groupCount }, (_, g) => g);
    dev.forEach((img, d) => {
      group[groupOf[d]] = groupOf[img];
    });
    return { dev, group };
  });
}

export function isIdentity(p: DevicePermutation): boolean {
  return p.dev.every((x, i) => x === i);
}

/** q after p: first p, then q. */
export function composePermutations(q: DevicePermutation, p: DevicePermutation): DevicePermutation {
  return { dev: p.dev.map((x) => q.dev[x]), group: p.group.map((x) => q.group[x]) };
}

export function invertPermutation(p: DevicePermutation): DevicePermutation {
  const dev = p.dev.slice();
  const group = p.group.slice();
  p.dev.forEach((x, i) => {
    dev[x] = i;
  });
  p.group.forEach((x, i) => {
    group[x] = i;
  });
  return { dev, group };
}

/** An SVA handle names its device: "sva:<dev>:<mm>". Other handles name no device. */
export function permuteHandle(h: string, p: DevicePermutation): string {
  const m = /^sva:(\d+):(\d+)$/.exec(h);
  if (m === null) return h;
  const d = Number(m[1]);
  return d < p.dev.length ? `sva:${p.dev[d]}:${m[2]}` : h;
}

/** Another group's domain as the charts name it: "default:<g>", "blocking:<g>". */
export function permuteDomainName(name: string, p: DevicePermutation): string {
  const m = /^(default|blocking):(\d+)$/.exec(name);
  if (m === null) return name;
  const g = Number(m[2]);
  return g < p.group.length ? `${m[1]}:${p.group[g]}` : name;
}

/** The same call made on the relabelled devices. */
export function permuteEvent(ev: KernelEvent, p: DevicePermutation): KernelEvent {
  const out: { -readonly [K in keyof KernelEvent]: KernelEvent[K] } = { ...ev };
  if (ev.dev !== undefined && ev.dev >= 0) out.dev = p.dev[ev.dev];
  if (ev.group !== undefined && ev.group >= 0) out.group = p.group[ev.group];
  if (ev.domain !== undefined && ev.domain.kind !== 'user')
    out.domain = { kind: ev.domain.kind, group: p.group[ev.domain.group] };
  if (typeof ev.handle === 'string') out.handle = permuteHandle(ev.handle, p);
  return out;
}
