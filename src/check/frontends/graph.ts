/**
 * The one module that imports the state-graph library, so that our uses of it sit behind one
 * module. @xstate/graph 3.0.4 is the last standalone release; the same functions
 * live in xstate core as `xstate/graph` (xstate >= 5.20), so moving there is the one `from`
 * line below.
 *
 * Traps of 3.0.4 that callers must keep in mind (node_modules/@xstate/graph, 3.0.4:
 * getAdjacencyMap, createTestModel):
 *   - the default state key is JSON.stringify({ value, context }): Sets and Maps become `{}`
 *     and the charts' outcome fields (ret, consumed) split states, so always pass
 *     serializeState (our charts' content keys, or SpecModel.key);
 *   - getAdjacencyMap queues every evaluated (state, event) pair and dequeues with
 *     Array.shift(): quadratic in edges, fine up to about 1e3 states; offer enabled events
 *     only and keep the spaces small;
 *   - createTestModel keys states by incoming transition and drops prefix paths unless given
 *     `serializeTransition: () => ''` and `allowDuplicatePaths: true`; we use getShortestPaths.
 */
export {
  type AdjacencyMap,
  getAdjacencyMap,
  getShortestPaths,
  type StatePath,
  type TraversalOptions,
} from '@xstate/graph';
