/**
 * The kernel revisions the emulator and the spec mirror. The newest is modelled by default;
 * the older ones are selectable per scenario (`kernel.revision`) and differ only where
 * docs/kernel/ (revisions: docs/kernel/00-sources.md §0.1) calls out a difference.
 */
export const KERNEL_REVISIONS = ['v6.3', 'v6.12', 'newest'] as const;
export type KernelRevision = (typeof KERNEL_REVISIONS)[number];
