/**
 * Realisation on the emulator: a chart path as a kernel-call sequence, found by a breadth-first
 * search over the scenario's product states (spec x emulator, through the lockstep step) that
 * keeps the instance on the path's states in order.
 */
import { createSpecModel } from '../../../../machines/router/kernel.js';
import type { KernelSpecState } from '../../../../machines/router/state.js';
import type { KernelEvent } from '../../../../spec/events.js';
import { bootEmulator } from '../../core/emulator.js';
import { enabledEvents } from '../../core/explore.js';
import { createLockstep, type ProductState } from '../../core/lockstep.js';
import { staticUniverse } from '../../core/universe.js';
import type { ChartPath, ChartPaths } from './index.js';

export type Realisation =
  | { readonly ok: true; readonly events: readonly KernelEvent[] }
  | {
      readonly ok: false;
      /** The most path events any kernel sequence followed. */
      readonly followed: number;
      /** Product states searched. */
      readonly searched: number;
    };

/** The lockstep's spec state, which createSpecModel makes a KernelSpecState. */
export function specStateOf(s: ProductState): KernelSpecState {
  return s.spec as KernelSpecState;
}

/**
 * The shortest kernel-call sequence, among the calls the explorer would make, that takes the
 * chart instance through the path's states in order: a call may leave the instance where it is
 * (other objects move), or move it to the path's next state if it is one of the calls that
 * deliver the path's next event. Divergences and broken invariants are the replay's to report,
 * so the search does not route around them.
 */
export function realise(cp: ChartPaths, path: ChartPath, maxStates = 200_000): Realisation {
  const scenario = cp.scenario;
  const ls = createLockstep(scenario, bootEmulator(scenario), { spec: createSpecModel(scenario) });
  const universe = staticUniverse(scenario);
  const n = path.keys.length - 1;
  if (cp.projectKey(specStateOf(ls.initial)) !== path.keys[0])
    return { ok: false, followed: -1, searched: 0 };
  interface Node {
    readonly s: ProductState;
    readonly at: number;
    readonly parent: number;
    readonly ev: KernelEvent | null;
  }
  const nodes: Node[] = [{ s: ls.initial, at: 0, parent: -1, ev: null }];
  const seen = new Set([`0#${ls.key(ls.initial)}`]);
  let followed = 0;
  for (let head = 0; head < nodes.length; head++) {
    const node = nodes[head];
    if (node.at === n) {
      const events: KernelEvent[] = [];
      for (let i = head; nodes[i].ev !== null; i = nodes[i].parent) events.push(nodes[i].ev!);
      return { ok: true, events: events.reverse() };
    }
    for (const ev of enabledEvents(scenario, ls, universe, node.s)) {
      const r = ls.step(node.s, ev);
      const k = cp.projectKey(specStateOf(r.next));
      let at: number;
      if (k === path.keys[node.at + 1] && path.calls[node.at].includes(ev.type)) at = node.at + 1;
      else if (k === path.keys[node.at]) at = node.at;
      else continue;
      const key = `${at}#${ls.key(r.next)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      followed = Math.max(followed, at);
      nodes.push({ s: r.next, at, parent: head, ev });
      if (nodes.length >= maxStates) return { ok: false, followed, searched: nodes.length };
    }
  }
  return { ok: false, followed, searched: nodes.length };
}
