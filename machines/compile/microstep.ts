/**
 * One microstep planned at compile time for a (configuration, transition) pair, as xstate's
 * microstep computes it (SCXML): the states exited (xstate's computeExitSet, innermost first by
 * document order), the transition's actions, the states entered (computeEntrySet, outermost
 * first, with initial-transition actions for default entries), and the configuration after.
 * History states are refused at compile time (tree.ts), so the history value never matters.
 */
import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { children, isDescendant, properAncestors } from './tree.js';

/** The structural part of a microstep: which actions run in which order, and where it lands. */
export interface StepShape {
  /** Actions in execution order: exit actions, transition actions, entry actions. */
  readonly actions: readonly unknown[];
  /** The active nodes after the microstep. */
  readonly nodes: ReadonlySet<AnyStateNode>;
}

/** xstate's findLeastCommonAncestor. */
function leastCommonAncestor(nodes: readonly AnyStateNode[]): AnyStateNode | undefined {
  const [head, ...tail] = nodes;
  for (const anc of properAncestors(head, undefined))
    if (tail.every((n) => isDescendant(n, anc))) return anc;
  return undefined;
}

/** xstate's getTransitionDomain (no history targets). */
function transitionDomain(t: AnyTransitionDefinition): AnyStateNode | undefined {
  const targets = t.target ?? [];
  if (!t.reenter && targets.every((s) => s === t.source || isDescendant(s, t.source)))
    return t.source;
  const lca = leastCommonAncestor([...targets, t.source]);
  if (lca !== undefined) return lca;
  if (t.reenter) return undefined;
  return t.source.machine.root;
}

/** xstate's computeExitSet for one transition, sorted innermost (highest order) first. */
function exitSet(t: AnyTransitionDefinition, active: ReadonlySet<AnyStateNode>): AnyStateNode[] {
  const out = new Set<AnyStateNode>();
  if (t.target !== undefined && t.target.length > 0) {
    const domain = transitionDomain(t);
    if (t.reenter && domain !== undefined && t.source === domain) out.add(domain);
    for (const n of active) if (domain !== undefined && isDescendant(n, domain)) out.add(n);
  }
  return [...out].sort((a, b) => b.order - a.order);
}

interface Entry {
  readonly toEnter: Set<AnyStateNode>;
  readonly defaultEntry: Set<AnyStateNode>;
}

function hasDescendantIn(set: ReadonlySet<AnyStateNode>, node: AnyStateNode): boolean {
  for (const s of set) if (isDescendant(s, node)) return true;
  return false;
}

/** xstate's addDescendantStatesToEnter (no history nodes). */
function addDescendants(node: AnyStateNode, e: Entry): void {
  if (node.type === 'compound') {
    const [initial] = node.initial.target as readonly AnyStateNode[];
    e.toEnter.add(initial);
    e.defaultEntry.add(initial);
    addDescendants(initial, e);
    addAncestors(properAncestors(initial, node), undefined, e);
  } else if (node.type === 'parallel') {
    for (const child of children(node)) {
      if (!hasDescendantIn(e.toEnter, child)) {
        e.toEnter.add(child);
        e.defaultEntry.add(child);
        addDescendants(child, e);
      }
    }
  }
}

/** xstate's addAncestorStatesToEnter. */
function addAncestors(
  ancestors: readonly AnyStateNode[],
  reentrancyDomain: AnyStateNode | undefined,
  e: Entry,
): void {
  for (const anc of ancestors) {
    if (reentrancyDomain === undefined || isDescendant(anc, reentrancyDomain)) e.toEnter.add(anc);
    if (anc.type === 'parallel') {
      for (const child of children(anc)) {
        if (!hasDescendantIn(e.toEnter, child)) {
          e.toEnter.add(child);
          addDescendants(child, e);
        }
      }
    }
  }
}

/** xstate's computeEntrySet for one transition. */
function entrySet(t: AnyTransitionDefinition): Entry {
  const e: Entry = { toEnter: new Set(), defaultEntry: new Set() };
  const domain = transitionDomain(t);
  const targets = (t.target ?? []) as readonly AnyStateNode[];
  for (const s of targets) {
    if (t.source !== s || t.source !== domain || t.reenter) {
      e.toEnter.add(s);
      e.defaultEntry.add(s);
    }
    addDescendants(s, e);
  }
  for (const s of targets) {
    const ancestors = properAncestors(s, domain);
    if (domain?.type === 'parallel') ancestors.push(domain);
    addAncestors(ancestors, t.source.parent === undefined && t.reenter ? undefined : domain, e);
  }
  return e;
}

/** The microstep taking the single transition `t` from the active set `active`. */
export function planStep(t: AnyTransitionDefinition, active: ReadonlySet<AnyStateNode>): StepShape {
  const exits = exitSet(t, active);
  const nodes = new Set(active);
  const actions: unknown[] = [];
  for (const n of exits) {
    actions.push(...n.exit);
    nodes.delete(n);
  }
  actions.push(...t.actions);
  const e = entrySet(t);
  for (const n of [...e.toEnter].sort((a, b) => a.order - b.order)) {
    nodes.add(n);
    actions.push(...n.entry);
    if (e.defaultEntry.has(n)) actions.push(...n.initial.actions);
  }
  return { actions, nodes };
}
