/**
 * The state-node tree of a compiled machine: the features the compiler refuses, and the finite
 * set of configurations (sets of active state nodes) the machine can be in, each with its state
 * value in document order.
 */
import type { AnyStateNode, StateValue } from 'xstate';

/** Thrown at compile time for any machine feature the flat transition function cannot mirror. */
export class UnsupportedFeature extends Error {
  constructor(machineId: string, what: string) {
    super(`compileMachine(${machineId}): unsupported: ${what}`);
    this.name = 'UnsupportedFeature';
  }
}

/** One reachable-by-structure configuration: its active nodes and its state value. */
export interface Configuration {
  /** Every active state node (ancestors included). */
  readonly nodes: ReadonlySet<AnyStateNode>;
  readonly value: StateValue;
  /** The active atomic nodes in document order. */
  readonly atomics: readonly AnyStateNode[];
}

/** The node's children, in document order (xstate's getChildren: history nodes left out). */
export function children(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states as Record<string, AnyStateNode>).filter(
    (c) => c.type !== 'history',
  );
}

/** Every node of the tree, root first, in document order. */
export function allNodes(root: AnyStateNode): AnyStateNode[] {
  const out: AnyStateNode[] = [root];
  for (const c of Object.values(root.states as Record<string, AnyStateNode>))
    out.push(...allNodes(c));
  return out;
}

/** xstate's isDescendant: `child` is a proper descendant of `parent`. */
export function isDescendant(child: AnyStateNode, parent: AnyStateNode): boolean {
  let m = child;
  while (m.parent !== undefined && m.parent !== parent) m = m.parent;
  return m.parent === parent;
}

/** xstate's getProperAncestors: parents from the nearest up to (excluding) `to`. */
export function properAncestors(node: AnyStateNode, to?: AnyStateNode): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  if (to === node) return out;
  let m = node.parent;
  while (m !== undefined && m !== to) {
    out.push(m);
    m = m.parent;
  }
  return out;
}

/**
 * Refuse what the compiler does not mirror: history and final states, invoked actors, delayed
 * transitions, done/error/snapshot transitions, wildcard and internal event descriptors.
 */
export function checkTree(machineId: string, root: AnyStateNode): void {
  const fail = (what: string) => {
    throw new UnsupportedFeature(machineId, what);
  };
  for (const n of allNodes(root)) {
    if (n.type === 'history') fail(`history state #${n.id}`);
    if (n.type === 'final') fail(`final state #${n.id}`);
    if (n.invoke.length > 0) fail(`invoke on #${n.id}`);
    if (n.after.length > 0) fail(`delayed (after) transitions on #${n.id}`);
    if (n.config.onDone !== undefined) fail(`onDone on #${n.id}`);
    if (n.type === 'compound' && n.initial.target.length !== 1)
      fail(`compound state #${n.id} without one initial child`);
    for (const descriptor of n.transitions.keys()) {
      if (descriptor.includes('*')) fail(`wildcard event descriptor '${descriptor}' on #${n.id}`);
      if (descriptor.startsWith('xstate.'))
        fail(`internal event descriptor '${descriptor}' on #${n.id}`);
    }
  }
}

/** The configurations below `node` (node included), as lists of active nodes. */
function configurationsOf(node: AnyStateNode): AnyStateNode[][] {
  if (node.type === 'atomic') return [[node]];
  if (node.type === 'compound')
    return children(node).flatMap((c) => configurationsOf(c).map((cfg) => [node, ...cfg]));
  // parallel: the product of its regions' configurations
  let acc: AnyStateNode[][] = [[node]];
  for (const c of children(node)) {
    const sub = configurationsOf(c);
    acc = acc.flatMap((a) => sub.map((s) => [...a, ...s]));
  }
  return acc;
}

/** The state value of the active set below `node`, keys in document order (xstate's shape). */
function valueBelow(node: AnyStateNode, active: ReadonlySet<AnyStateNode>): StateValue {
  const kids = children(node).filter((c) => active.has(c));
  if (node.type === 'compound' && kids.length === 1 && kids[0].type === 'atomic')
    return kids[0].key;
  const out: Record<string, StateValue> = {};
  for (const k of kids) out[k.key] = valueBelow(k, active);
  return out;
}

/** The key a set of active nodes is known by: their ids in document order. */
export function nodesKey(nodes: Iterable<AnyStateNode>): string {
  return [...nodes]
    .sort((a, b) => a.order - b.order)
    .map((n) => n.id)
    .join('\n');
}

/** Every configuration of the machine (a parallel state's regions all active, one child each). */
export function configurations(root: AnyStateNode): Configuration[] {
  return configurationsOf(root).map((list) => {
    const nodes = new Set(list);
    return {
      nodes,
      value: valueBelow(root, nodes),
      atomics: list.filter((n) => n.type === 'atomic').sort((a, b) => a.order - b.order),
    };
  });
}
