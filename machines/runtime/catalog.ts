/**
 * The static catalog of every statechart: its states and its transitions, enumerated from the
 * machine definitions (every state node's `on` transitions, each guarded alternative its own
 * transition, and its eventless `always` transitions), with the guard as an expression and in
 * words, the result, and the kernel citation (machines/charts/doc.ts). Coverage
 * (src/check/frontends/coverage.ts) counts against it; the transition docs (`iommu-spec docs`) render it.
 *
 * A transition's id is `<source>/<event>#<n>`: the state node that defines it (the chart's id for
 * the root), the event type (`always` for eventless transitions), and its place among the
 * guarded alternatives for that event on that node, counting from 1.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition, StateValue } from 'xstate';
import { callSpec, isCallName } from '../../spec/calls.js';
import { dmaMappingDoc } from '../charts/dma_mapping.doc.js';
import { dmaMappingMachine } from '../charts/dma_mapping.machine.js';
import type { ChartDoc, UnreachableMark } from '../charts/doc.js';
import { globalPasidDoc } from '../charts/global_pasid.doc.js';
import { globalPasidMachine } from '../charts/global_pasid.machine.js';
import { iommuGroupDoc } from '../charts/iommu_group.doc.js';
import { iommuGroupMachine } from '../charts/iommu_group.machine.js';
import { mmDoc } from '../charts/mm.doc.js';
import { mmMachine } from '../charts/mm.machine.js';
import { pagingDomainDoc } from '../charts/paging_domain.doc.js';
import { pagingDomainMachine } from '../charts/paging_domain.machine.js';
import { pasidSlotDoc } from '../charts/pasid_slot.doc.js';
import { pasidSlotMachine } from '../charts/pasid_slot.machine.js';

/** A guard as an expression tree: a named guard of `setup`, or xstate's and/or/not/stateIn. */
export type GuardExpr =
  | {
      readonly op: 'ref';
      readonly name: string;
      /** The state paths a named `stateIn` guard tests (null: it reads context or the event). */
      readonly stateIn: readonly string[] | null;
    }
  | { readonly op: 'stateIn'; readonly paths: readonly string[] }
  | { readonly op: 'and' | 'or'; readonly args: readonly GuardExpr[] }
  | { readonly op: 'not'; readonly arg: GuardExpr };

export interface StateInfo {
  /** Dotted path from the root: `domain.private`, `driver.bound.idle`. */
  readonly path: string;
  /** The concurrent region (a child of the parallel root) it belongs to, or "" without regions. */
  readonly region: string;
  readonly atomic: boolean;
  /** The state entered when its parent is entered. */
  readonly initial: boolean;
  readonly depth: number;
}

export interface TransitionInfo {
  readonly chart: string;
  /** `<source>/<event>#<n>` (see the header). */
  readonly id: string;
  /** The defining state node's dotted path, "" for the root. */
  readonly source: string;
  /** The event type, or `always` for an eventless transition. */
  readonly event: string;
  /** Place among the alternatives for this event on this node, from 1. */
  readonly index: number;
  readonly guard: GuardExpr | null;
  /** The guard as written: `isOwned`, `and(isShared, not(isOnDefaultDomain))`; null if none. */
  readonly guardText: string | null;
  /** The guard in words (machines/charts/<chart>.doc.ts). */
  readonly guardWords: string | null;
  /** Target state paths; empty when the transition stays (an errno path, a count). */
  readonly targets: readonly string[];
  readonly actions: readonly string[];
  /** What the call returns and records, in words (from the chart's action docs). */
  readonly result: string;
  readonly citation: string;
  /** Why no bounded scenario reaches it, when the chart marks it so. */
  readonly unreachable: string | null;
}

export interface ChartInfo {
  readonly id: string;
  readonly machine: AnyStateMachine;
  readonly doc: ChartDoc;
  /** Whether the root is a parallel state (its children are regions). */
  readonly parallel: boolean;
  /** Every state but the root and the regions of a parallel root, in document order. */
  readonly states: readonly StateInfo[];
  /** The regions of a parallel root, in document order (empty otherwise). */
  readonly regions: readonly string[];
  readonly transitions: readonly TransitionInfo[];
  /** Marks naming no transition of the chart, or naming it with another guard. */
  readonly staleMarks: readonly UnreachableMark[];
}

/** The charts in the order the docs and the coverage report list them. */
const DEFINITIONS: readonly { readonly machine: AnyStateMachine; readonly doc: ChartDoc }[] = [
  { machine: iommuGroupMachine, doc: iommuGroupDoc },
  { machine: pasidSlotMachine, doc: pasidSlotDoc },
  { machine: pagingDomainMachine, doc: pagingDomainDoc },
  { machine: globalPasidMachine, doc: globalPasidDoc },
  { machine: mmMachine, doc: mmDoc },
  { machine: dmaMappingMachine, doc: dmaMappingDoc },
];

interface GuardImpl {
  readonly name?: string;
  readonly guards?: readonly unknown[];
  readonly stateValue?: StateValue;
}

/** Leaf paths of a state value: {domain: 'none'} -> ["domain.none"]. */
export function stateValuePaths(v: StateValue, prefix = ''): string[] {
  if (typeof v === 'string') return [prefix + v];
  return Object.entries(v).flatMap(([k, sub]) =>
    sub === undefined ? [prefix + k] : stateValuePaths(sub as StateValue, `${prefix}${k}.`),
  );
}

function guardExpr(machine: AnyStateMachine, g: unknown): GuardExpr {
  if (typeof g === 'string' || (typeof g === 'object' && g !== null && 'type' in g)) {
    const name = typeof g === 'string' ? g : String((g as { type: unknown }).type);
    const impl = (machine.implementations.guards as Record<string, GuardImpl | undefined>)[name];
    const sv = impl?.stateValue;
    return { op: 'ref', name, stateIn: sv === undefined ? null : stateValuePaths(sv) };
  }
  const f = g as GuardImpl;
  if (f.stateValue !== undefined) return { op: 'stateIn', paths: stateValuePaths(f.stateValue) };
  const args = (f.guards ?? []).map((x) => guardExpr(machine, x));
  if (f.name === 'not') return { op: 'not', arg: args[0] };
  if (f.name === 'and' || f.name === 'or') return { op: f.name, args };
  throw new Error(`machines/runtime/catalog.ts: cannot read guard ${String(f.name)}`);
}

export function guardText(g: GuardExpr): string {
  switch (g.op) {
    case 'ref':
      return g.name;
    case 'stateIn':
      return `stateIn(${g.paths.join(', ')})`;
    case 'not':
      return `not(${guardText(g.arg)})`;
    default:
      return `${g.op}(${g.args.map(guardText).join(', ')})`;
  }
}

/**
 * A guard name in words when the chart's doc has none: `isPasidZero` -> "pasid is zero",
 * `hasUsers` -> "has users".
 */
export function deriveGuardWords(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(' ')
    .map((w) => (/^[A-Z][a-z]/.test(w) ? w.toLowerCase() : w));
  if (words[0] === 'is' && words.length > 2) return [words[1], 'is', ...words.slice(2)].join(' ');
  if (words[0] === 'is') return words.slice(1).join(' ');
  return words.join(' ');
}

/** The guard in words: `refWords` names a guard of `setup`, `negatedWords` its negation if it has one. */
export function guardWordsWith(
  g: GuardExpr,
  refWords: (name: string) => string,
  negatedWords: (name: string) => string | undefined = () => undefined,
): string {
  const w = (x: GuardExpr): string => guardWordsWith(x, refWords, negatedWords);
  switch (g.op) {
    case 'ref':
      return refWords(g.name);
    case 'stateIn':
      return `in ${g.paths.map((p) => `\`${p}\``).join(' and ')}`;
    case 'not': {
      const neg = g.arg.op === 'ref' ? negatedWords(g.arg.name) : undefined;
      if (neg !== undefined) return neg;
      return g.arg.op === 'ref' || g.arg.op === 'stateIn' ? `not ${w(g.arg)}` : `not (${w(g.arg)})`;
    }
    default:
      return g.args
        .map((a) => (a.op === 'and' || a.op === 'or' ? `(${w(a)})` : w(a)))
        .join(g.op === 'and' ? ' and ' : ' or ');
  }
}

function nodePath(n: AnyStateNode): string {
  return n.path.join('.');
}

function allNodes(root: AnyStateNode): AnyStateNode[] {
  const out: AnyStateNode[] = [root];
  for (const child of Object.values(root.states) as AnyStateNode[]) out.push(...allNodes(child));
  return out;
}

function actionName(a: unknown): string {
  if (typeof a === 'string') return a;
  if (typeof a === 'object' && a !== null && 'type' in a) return String(a.type);
  return 'inline action';
}

/** A chart's catalog entry (CHARTS holds every chart's; tests build variants with other docs). */
export function chartInfo(machine: AnyStateMachine, doc: ChartDoc): ChartInfo {
  const root = machine.root as AnyStateNode;
  const parallel = root.type === 'parallel';
  const regions = parallel ? Object.keys(root.states) : [];
  const nodes = allNodes(root);
  const states: StateInfo[] = nodes
    .filter((n) => n !== root && !(parallel && n.parent === root))
    .map((n) => ({
      path: nodePath(n),
      region: parallel ? n.path[0] : '',
      atomic: n.type === 'atomic' || n.type === 'final',
      initial: n.parent?.type === 'compound' && n.parent.initial?.target[0] === n,
      depth: n.path.length - (parallel ? 1 : 0),
    }));
  const marks = doc.unreachable ?? [];
  const used = new Set<UnreachableMark>();
  const transitions: TransitionInfo[] = [];
  const add = (n: AnyStateNode, event: string, list: readonly AnyTransitionDefinition[]) => {
    list.forEach((t, i) => {
      const source = nodePath(n);
      const id = `${source === '' ? machine.id : source}/${event}#${i + 1}`;
      const guard = t.guard === undefined ? null : guardExpr(machine, t.guard);
      const text = guard === null ? null : guardText(guard);
      const actions = t.actions.map(actionName);
      const targets = (t.target ?? []).map((x: AnyStateNode) => nodePath(x));
      const mark = marks.find((m) => m.transition === id && m.guard === text);
      if (mark !== undefined) used.add(mark);
      const meta = (t as { meta?: { citation?: string } }).meta;
      transitions.push({
        chart: machine.id,
        id,
        source,
        event,
        index: i + 1,
        guard,
        guardText: text,
        guardWords:
          guard === null
            ? null
            : guardWordsWith(
                guard,
                (name) => doc.guards[name] ?? deriveGuardWords(name),
                (name) => doc.negated?.[name],
              ),
        targets,
        actions,
        result: actions.map((a) => doc.actions[a] ?? a).join('; '),
        citation:
          meta?.citation ??
          doc.citations?.[event] ??
          (isCallName(event) ? callSpec(event).citation : ''),
        unreachable: mark?.reason ?? null,
      });
    });
  };
  for (const n of nodes) {
    for (const [event, list] of n.transitions) add(n, event, list);
    if (n.always !== undefined) add(n, 'always', n.always);
  }
  return {
    id: machine.id,
    machine,
    doc,
    parallel,
    states,
    regions,
    transitions,
    staleMarks: marks.filter((m) => !used.has(m)),
  };
}

export const CHARTS: readonly ChartInfo[] = DEFINITIONS.map((d) => chartInfo(d.machine, d.doc));

/** The catalog entry of a transition object xstate took (the same objects as the state nodes hold). */
const BY_OBJECT: ReadonlyMap<AnyTransitionDefinition, TransitionInfo> = (() => {
  const m = new Map<AnyTransitionDefinition, TransitionInfo>();
  for (const c of CHARTS) {
    const infos = new Map(c.transitions.map((t) => [t.id, t]));
    for (const n of allNodes(c.machine.root as AnyStateNode)) {
      const source = nodePath(n);
      const prefix = source === '' ? c.id : source;
      const lists: [string, readonly AnyTransitionDefinition[]][] = [...n.transitions];
      if (n.always !== undefined) lists.push(['always', n.always]);
      for (const [event, list] of lists)
        for (const [i, t] of list.entries()) m.set(t, infos.get(`${prefix}/${event}#${i + 1}`)!);
    }
  }
  return m;
})();

export function transitionInfo(t: AnyTransitionDefinition): TransitionInfo | undefined {
  return BY_OBJECT.get(t);
}

/** The active state paths of a snapshot value, ancestors included, regions excluded. */
export function activePaths(chart: ChartInfo, value: StateValue): string[] {
  const leaves = stateValuePaths(value);
  const out = new Set<string>();
  for (const leaf of leaves) {
    const parts = leaf.split('.');
    for (let i = chart.parallel ? 2 : 1; i <= parts.length; i++)
      out.add(parts.slice(0, i).join('.'));
  }
  return [...out];
}
