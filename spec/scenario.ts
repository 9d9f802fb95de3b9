/**
 * The scenario format (a public contract; see the README's Formats section and
 * examples/scenario.json): topology, kernel
 * configuration and exploration bounds. Validated with zod; every error names the field.
 */
import { z } from 'zod';
import { CALL_NAMES, FAULT_OPS } from './calls.js';
import { KERNEL_REVISIONS } from './kernel-ref.js';
import { symmetryIssues } from './symmetry.js';

export const DRIVERS = ['arm-smmu-v3', 'intel-vtd', 'amd', 's390', 'mock'] as const;
export type DriverName = (typeof DRIVERS)[number];

export const IOMMU_CAPS = [
  'IOMMU_CAP_CACHE_COHERENCY',
  'IOMMU_CAP_NOEXEC',
  'IOMMU_CAP_PRE_BOOT_PROTECTION',
  'IOMMU_CAP_ENFORCE_CACHE_COHERENCY',
  'IOMMU_CAP_DEFERRED_FLUSH',
  'IOMMU_CAP_DIRTY_TRACKING',
] as const;
export type IommuCap = (typeof IOMMU_CAPS)[number];

/** Sysfs strings the explorer writes by default; the kernel accepts any string. */
export const DEFAULT_SYSFS_TYPES = ['identity', 'DMA', 'DMA-FQ', 'auto'] as const;

const name = z
  .string()
  .min(1, 'must be a non-empty name')
  .max(64, 'names are at most 64 characters');
const smallInt = (max: number) =>
  z.number().int('must be an integer').min(0, 'must be >= 0').max(max, `must be <= ${max}`);

const kernelSchema = z
  .object({
    revision: z.enum(KERNEL_REVISIONS).default('newest'),
    'iommu.passthrough': z.boolean().optional(),
    'iommu.strict': z.boolean().optional(),
    'iommu.forcedac': z.boolean().default(false),
    CONFIG_IOMMU_DEFAULT_PASSTHROUGH: z.boolean().default(false),
    CONFIG_IOMMU_DEFAULT_DMA_STRICT: z.boolean().default(false),
    CONFIG_IOMMU_DMA: z.boolean().default(true),
    CC_ATTR_MEM_ENCRYPT: z.boolean().default(false),
  })
  .strict();

const iommuSchema = z
  .object({
    name,
    driver: z.enum(DRIVERS),
    caps: z.array(z.enum(IOMMU_CAPS)).default([]),
    max_pasids: smallInt(1 << 20).default(0),
    /** s390: zdev->rtr_avail, whether the identity (passthrough) ops are registered. */
    rtr_avail: z.boolean().default(false),
    /**
     * intel-vtd: CAP.CM, caching mode (a virtual VT-d such as QEMU's caching-mode=on) on a unit
     * that translates second-stage by default (QEMU's x-flts=off): intel_iommu_init() forces
     * strict mode, "IOMMU batching disallowed due to virtualization".
     */
    caching_mode: z.boolean().default(false),
  })
  .strict();

const deviceSchema = z
  .object({
    name,
    iommu: name,
    group: name,
    max_pasids: smallInt(1 << 20).default(0),
    untrusted: z.boolean().default(false),
    require_direct: z.boolean().default(false),
    shadow_on_flush: z.boolean().default(false),
    /** A PCI device gets the 32-bit IOVA workaround (dev_is_pci). */
    pci: z.boolean().default(true),
    /** dma_set_mask(): the device's DMA mask width in bits. */
    dma_mask_bits: z.number().int().min(12).max(48).default(48),
  })
  .strict();

const bufferSchema = z
  .object({
    name,
    size: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1 byte')
      .max(1 << 24, 'must be at most 16 MiB'),
  })
  .strict();

const faultSchema = z
  .object({
    op: z.enum(FAULT_OPS),
    nth: z.number().int().min(1, 'nth counts from 1').max(1_000_000),
  })
  .strict();

const boundsSchema = z
  .object({
    /** How many domains iommu_paging_domain_alloc may have live at once. */
    domains: smallInt(8).default(1),
    /** PASID values the explorer passes to the *_pasid calls. */
    pasids: z
      .array(
        z
          .number()
          .int()
          .min(-1)
          .max(1 << 20),
      )
      .default([1]),
    /** Process address spaces for SVA. */
    mms: smallInt(4).default(1),
    /** DMA owner cookies for the claim calls. */
    owners: z.array(name).default(['vfio']),
    /** Sysfs strings written to the type file. */
    types: z.array(z.string().max(64)).default([...DEFAULT_SYSFS_TYPES]),
    /** Restrict the event universe to these calls (default: every call the scenario supports). */
    calls: z.array(z.enum(CALL_NAMES as [string, ...string[]])).optional(),
    /** Raw IOVAs the explorer passes to iommu_map, iommu_unmap and iommu_iova_to_phys (opt-in calls). */
    iovas: z
      .array(
        z
          .number()
          .int()
          .min(0)
          .max(2 ** 48),
      )
      .default([0x100000]),
    /** Live dma_map_single mappings a device may hold at once. */
    maps: smallInt(8).default(1),
    /** Driver ops the explorer may fail once (fault_inject events). */
    faults: z.array(z.enum(FAULT_OPS)).default([]),
    /** Let hardware entry updates interleave sync by sync with device DMA (hw_step events). */
    hw_steps: z.boolean().default(false),
    /** Stop exploring below this depth (calls from boot). */
    max_depth: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

/** Scaled-down DMA-layer sizes so that queues fill and magazines spill within a few calls. */
const dmaSchema = z
  .object({
    /** Flush-queue entries per queue (kernel: IOVA_DEFAULT_FQ_SIZE 256, IOVA_SINGLE_FQ_SIZE 32768). */
    fq_size: z
      .number()
      .int()
      .min(2)
      .max(32768)
      .refine(
        (n) => (n & (n - 1)) === 0,
        'must be a power of two (the queue is a power-of-two ring)',
      )
      .default(4),
    /** PFNs per rcache magazine (kernel: IOVA_MAG_SIZE 127). */
    iova_mag_size: z.number().int().min(1).max(127).default(2),
    /** IOVA granule, the smallest page size. */
    granule: z.literal(4096).default(4096),
  })
  .strict();

const witnessSchema = z
  .object({
    name,
    /** Every listed fact must hold in one reachable state. */
    facts: z.array(z.string().min(1)).min(1),
  })
  .strict();

export const scenarioSchema = z
  .object({
    $schema: z.string().optional(),
    name,
    description: z.string().optional(),
    kernel: kernelSchema.default(() => kernelSchema.parse({})),
    iommus: z.array(iommuSchema).min(1, 'a scenario needs at least one IOMMU').max(8),
    devices: z.array(deviceSchema).min(1, 'a scenario needs at least one device').max(32),
    buffers: z.array(bufferSchema).max(64).default([]),
    faults: z.array(faultSchema).default([]),
    bounds: boundsSchema.default(() => boundsSchema.parse({})),
    dma: dmaSchema.default(() => dmaSchema.parse({})),
    witnesses: z.array(witnessSchema).default([]),
    /**
     * Names of interchangeable devices, per class, for symmetry reduction (spec/symmetry.ts has
     * the rule a class must satisfy: one IOMMU, identical properties, each alone in its group).
     */
    symmetry: z.array(z.array(name).min(2)).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    const unique = (items: { name: string }[], field: string) => {
      const seen = new Set<string>();
      items.forEach((it, i) => {
        if (seen.has(it.name)) {
          ctx.addIssue({
            code: 'custom',
            path: [field, i, 'name'],
            message: `duplicate name "${it.name}"`,
          });
        }
        seen.add(it.name);
      });
    };
    unique(s.iommus, 'iommus');
    s.iommus.forEach((m, i) => {
      if (m.caching_mode && m.driver !== 'intel-vtd')
        ctx.addIssue({
          code: 'custom',
          path: ['iommus', i, 'caching_mode'],
          message: 'caching mode is a VT-d capability (intel-vtd only)',
        });
    });
    unique(s.devices, 'devices');
    unique(s.buffers, 'buffers');
    const iommus = new Map(s.iommus.map((m) => [m.name, m]));
    const groupIommu = new Map<string, string>();
    s.devices.forEach((d, i) => {
      if (!iommus.has(d.iommu)) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices', i, 'iommu'],
          message: `no IOMMU named "${d.iommu}"`,
        });
      }
      const other = groupIommu.get(d.group);
      if (other !== undefined && other !== d.iommu) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices', i, 'group'],
          message: `group "${d.group}" already belongs to IOMMU "${other}"; a group sits behind one IOMMU`,
        });
      }
      groupIommu.set(d.group, d.iommu);
    });
    // A small DMA mask makes IOVA exhaustion reachable; the spec counts the space in slots of one
    // mapping (machines/router/topology.ts iovaSlots), which needs every mapping the same size and
    // one mask per group (the group's default domain is one IOVA space).
    if (s.devices.some((d) => d.dma_mask_bits < 32)) {
      const blocks = new Set(
        s.buffers.map((b) => 2 ** Math.ceil(Math.log2(Math.ceil(b.size / s.dma.granule)))),
      );
      if (blocks.size > 1)
        ctx.addIssue({
          code: 'custom',
          path: ['buffers'],
          message:
            'with a dma_mask_bits below 32 every buffer must take the same IOVA block (the same number of granules after the power-of-two roundup)',
        });
      s.devices.forEach((d, i) => {
        const other = s.devices.find(
          (x) => x.group === d.group && x.dma_mask_bits !== d.dma_mask_bits,
        );
        if (d.dma_mask_bits < 32 && other !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['devices', i, 'dma_mask_bits'],
            message: `a dma_mask_bits below 32 must be the same for the whole group ("${other.name}" differs)`,
          });
      });
    }
    const names = new Set(s.devices.map((d) => d.name));
    s.symmetry.forEach((cls, i) => {
      cls.forEach((n, j) => {
        if (!names.has(n))
          ctx.addIssue({
            code: 'custom',
            path: ['symmetry', i, j],
            message: `no device named "${n}"`,
          });
      });
    });
    for (const issue of symmetryIssues(s))
      ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
  });

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type IommuConfig = Scenario['iommus'][number];
export type DeviceConfig = Scenario['devices'][number];

export { devicesOfGroup, groupNames, groupOfDevice } from './group-numbering.js';
