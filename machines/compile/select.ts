/**
 * Which transitions a configuration offers, in the order xstate tries them.
 *
 * Events (xstate's transitionNode): an atomic state's candidates, then its parent's, and so on up;
 * a parallel state asks every region and falls back to its own candidates only when no region
 * took the event. The compiler accepts only configurations where at most one region of each
 * parallel state has candidates for an event, so the candidates form one chain and the first
 * enabled one is the microstep's only transition (several would need conflict resolution and
 * cross-region action ordering).
 *
 * Eventless transitions (xstate's selectEventlessTransitions): from each active atomic state,
 * the first enabled `always` transition on the way up. The compiler accepts only configurations
 * where every atomic state that has such a chain has the same one, so at most one eventless
 * transition is enabled at a time.
 */
import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { type Configuration, children, UnsupportedFeature } from './tree.js';

/** The event's candidates below `node` in configuration `cfg`, in xstate's order. */
export function eventChain(
  machineId: string,
  node: AnyStateNode,
  cfg: Configuration,
  eventType: string,
): readonly AnyTransitionDefinition[] {
  const own = node.transitions.get(eventType) ?? [];
  const active = children(node).filter((c) => cfg.nodes.has(c));
  const inner = active
    .map((c) => eventChain(machineId, c, cfg, eventType))
    .filter((chain) => chain.length > 0);
  if (inner.length > 1)
    throw new UnsupportedFeature(
      machineId,
      `event '${eventType}' handled in more than one region of parallel state #${node.id}`,
    );
  return [...(inner[0] ?? []), ...own];
}

/** The eventless candidates of configuration `cfg`, in xstate's order. */
export function alwaysChain(
  machineId: string,
  cfg: Configuration,
): readonly AnyTransitionDefinition[] {
  let chosen: AnyTransitionDefinition[] = [];
  for (const atomic of cfg.atomics) {
    const chain: AnyTransitionDefinition[] = [];
    for (let s: AnyStateNode | undefined = atomic; s !== undefined; s = s.parent)
      chain.push(...(s.always ?? []));
    if (chain.length === 0) continue;
    if (chosen.length === 0) chosen = chain;
    else if (chain.length !== chosen.length || chain.some((t, i) => t !== chosen[i]))
      throw new UnsupportedFeature(
        machineId,
        `eventless transitions in more than one region (atomic state #${atomic.id})`,
      );
  }
  return chosen;
}
