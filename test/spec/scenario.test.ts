/**
 * Scenario validation (spec/scenario.ts, spec/parse.ts parseScenario): one test per kind of bad
 * input, each checking that the InputError names the field path, and a fast-check property over
 * mutations of the built-in scenarios.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatInputError } from '../../spec/input-error.js';
import { parseScenario } from '../../spec/parse.js';
import { BUILTIN_SCENARIO_NAMES, BUILTIN_SCENARIOS } from '../../spec/scenarios/index.js';
import { type Json, mutate, mutationArb } from '../__helpers__/mutate.js';

// biome-ignore lint/suspicious/noExplicitAny: test fixtures are edited freely before parsing
type Raw = any;

/** A deep copy of a built-in scenario, for editing. */
const base = (name = 'smmu-and-amd-igpu'): Raw =>
  JSON.parse(JSON.stringify(BUILTIN_SCENARIOS[name]));

function bad(edit: (s: Raw) => void, name?: string) {
  const s = base(name);
  edit(s);
  const r = parseScenario(s);
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect(r.message.length).toBeGreaterThan(0);
  return r;
}

describe('parseScenario: valid input', () => {
  test.each(BUILTIN_SCENARIO_NAMES)('built-in scenario %s parses', (name) => {
    const r = parseScenario(BUILTIN_SCENARIOS[name]);
    expect(r.ok).toBe(true);
  });

  test('defaults are filled in: kernel revision newest, DMA sizes, bounds', () => {
    const r = parseScenario({
      name: 'min',
      iommus: [{ name: 'm', driver: 'mock' }],
      devices: [{ name: 'd', iommu: 'm', group: 'g' }],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.kernel.revision).toBe('newest');
    expect(r.value.dma.granule).toBe(4096);
    expect(r.value.devices[0].max_pasids).toBe(0);
    expect(r.value.devices[0].pci).toBe(true);
  });
});

describe('parseScenario: wrong types', () => {
  test('a string where a number belongs names devices[0].max_pasids', () => {
    const r = bad((s) => {
      s.devices[0].max_pasids = '16';
    });
    expect(r.where).toBe('scenario.devices[0].max_pasids');
  });

  test('a string where a boolean belongs names the kernel option', () => {
    const r = bad((s) => {
      s.kernel['iommu.strict'] = 'yes';
    });
    expect(r.where.startsWith('scenario.kernel')).toBe(true);
    expect(r.where).toContain('iommu.strict');
  });

  test('a number where the scenario name belongs names "name"', () => {
    expect(
      bad((s) => {
        s.name = 42;
      }).where,
    ).toBe('scenario.name');
  });

  test('an object where the device list belongs names "devices"', () => {
    expect(
      bad((s) => {
        s.devices = { a: 1 };
      }).where,
    ).toBe('scenario.devices');
  });

  test('a non-integer number names the field and says "integer"', () => {
    const r = bad((s) => {
      s.devices[2].max_pasids = 1.5;
    });
    expect(r.where).toBe('scenario.devices[2].max_pasids');
    expect(r.message).toMatch(/integer/);
  });

  test('a document that is not an object is rejected at "scenario"', () => {
    for (const v of [null, [], 'smmu-dma', 42, true]) {
      const r = parseScenario(v);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.where).toBe('scenario');
    }
  });

  test('an enum value outside the vocabulary names the field (driver, caps, revision, fault op, bounds.calls)', () => {
    expect(
      bad((s) => {
        s.iommus[0].driver = 'virtio';
      }).where,
    ).toBe('scenario.iommus[0].driver');
    expect(
      bad((s) => {
        s.iommus[1].caps = ['IOMMU_CAP_DEFERRED_FLUSH', 'IOMMU_CAP_MAGIC'];
      }).where,
    ).toBe('scenario.iommus[1].caps[1]');
    expect(
      bad((s) => {
        s.kernel.revision = 'v5.10';
      }).where,
    ).toBe('scenario.kernel.revision');
    expect(
      bad((s) => {
        s.faults = [{ op: 'explode', nth: 1 }];
      }).where,
    ).toBe('scenario.faults[0].op');
    expect(
      bad((s) => {
        s.bounds.calls = ['iommu_attach_device', 'iommu_frobnicate'];
      }).where,
    ).toBe('scenario.bounds.calls[1]');
  });
});

describe('parseScenario: unknown fields', () => {
  test('an unknown top-level field is rejected at "scenario" and named in the message', () => {
    const r = bad((s) => {
      s.colour = 'blue';
    });
    expect(r.where).toBe('scenario');
    expect(r.message).toBe('unknown field "colour"');
  });

  test('an unknown device field is rejected at devices[i]', () => {
    const r = bad((s) => {
      s.devices[1].colour = 'blue';
    });
    expect(r.where).toBe('scenario.devices[1]');
    expect(r.message).toContain('colour');
  });

  test('an unknown kernel option is rejected at kernel', () => {
    const r = bad((s) => {
      s.kernel.CONFIG_IOMMU_MAGIC = true;
    });
    expect(r.where).toBe('scenario.kernel');
    expect(r.message).toContain('CONFIG_IOMMU_MAGIC');
  });
});

describe('parseScenario: unknown names', () => {
  test("a device's unknown IOMMU names devices[1].iommu", () => {
    const r = bad((s) => {
      s.devices[1].iommu = 'smmu9';
    });
    expect(r.where).toBe('scenario.devices[1].iommu');
    expect(r.message).toBe('no IOMMU named "smmu9"');
  });

  test("a group spread over two IOMMUs names the second device's group", () => {
    const r = bad((s) => {
      s.devices[1].group = 'g0';
    });
    expect(r.where).toBe('scenario.devices[1].group');
  });

  test('an unknown device in a symmetry class names symmetry[i][j]', () => {
    const r = bad((s) => {
      s.symmetry = [['0000:00:08.0', 'ghost']];
    });
    expect(r.where).toBe('scenario.symmetry[0][1]');
  });
});

describe('parseScenario: missing fields', () => {
  test('a missing scenario name names "name"', () => {
    expect(
      bad((s) => {
        delete s.name;
      }).where,
    ).toBe('scenario.name');
  });

  test("a missing device's iommu names devices[0].iommu", () => {
    expect(
      bad((s) => {
        delete s.devices[0].iommu;
      }).where,
    ).toBe('scenario.devices[0].iommu');
  });

  test('a missing device list names "devices"', () => {
    expect(
      bad((s) => {
        delete s.devices;
      }).where,
    ).toBe('scenario.devices');
  });

  test('an empty IOMMU list is rejected with its reason', () => {
    const r = bad((s) => {
      s.iommus = [];
    });
    expect(r.where).toBe('scenario.iommus');
    expect(r.message).toBe('a scenario needs at least one IOMMU');
  });
});

describe('parseScenario: duplicate names', () => {
  test('a duplicate device name names the second occurrence', () => {
    const r = bad((s) => {
      s.devices[2].name = s.devices[0].name;
    });
    expect(r.where).toBe('scenario.devices[2].name');
    expect(r.message).toContain('duplicate name');
  });

  test('a duplicate IOMMU name names iommus[1].name', () => {
    const r = bad((s) => {
      s.iommus[1].name = s.iommus[0].name;
      for (const d of s.devices) d.iommu = s.iommus[0].name;
    });
    expect(r.where).toBe('scenario.iommus[1].name');
  });

  test('a duplicate buffer name names buffers[1].name', () => {
    expect(
      bad((s) => {
        s.buffers[1].name = 'b0';
      }).where,
    ).toBe('scenario.buffers[1].name');
  });
});

describe('parseScenario: __proto__ and constructor keys', () => {
  test('a top-level __proto__ own key (from JSON.parse) is a forbidden key', () => {
    const json = JSON.parse(
      '{"__proto__": {"polluted": true}, "name": "x", "iommus": [{"name": "m", "driver": "mock"}], "devices": [{"name": "d", "iommu": "m", "group": "g"}]}',
    );
    const r = parseScenario(json);
    expect(r).toEqual({ ok: false, where: 'scenario.__proto__', message: 'forbidden key' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a nested __proto__ key names its path devices[0].__proto__', () => {
    const text = JSON.stringify(base()).replace(
      '"name":"0000:00:01.0"',
      '"__proto__":{},"name":"0000:00:01.0"',
    );
    const r = parseScenario(JSON.parse(text));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.where).toBe('scenario.devices[0].__proto__');
  });

  test('a "constructor" key is forbidden too', () => {
    const r = parseScenario(JSON.parse('{"kernel": {"constructor": {}}}'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.where).toBe('scenario.kernel.constructor');
  });

  test('the document name given by the caller prefixes the path (trace.scenario)', () => {
    const r = parseScenario(JSON.parse('{"__proto__": 1}'), 'trace.scenario');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.where).toBe('trace.scenario.__proto__');
  });
});

describe('parseScenario: huge and out-of-range numbers', () => {
  test('1e300 PASIDs are rejected at the field', () => {
    expect(
      bad((s) => {
        s.devices[0].max_pasids = 1e300;
      }).where,
    ).toBe('scenario.devices[0].max_pasids');
  });

  test('max_pasids above 2^20 (the PCIe PASID width) is rejected with the bound in the message', () => {
    const r = bad((s) => {
      s.iommus[0].max_pasids = (1 << 20) + 1;
    });
    expect(r.where).toBe('scenario.iommus[0].max_pasids');
    expect(r.message).toBe('must be <= 1048576');
  });

  test('JSON 1e400 parses to Infinity and is rejected at the field', () => {
    const json = JSON.parse(
      '{"name":"x","iommus":[{"name":"m","driver":"mock","max_pasids":1e400}],"devices":[{"name":"d","iommu":"m","group":"g"}]}',
    );
    expect(json.iommus[0].max_pasids).toBe(Number.POSITIVE_INFINITY);
    const r = parseScenario(json);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.where).toBe('scenario.iommus[0].max_pasids');
  });

  test('a negative number is rejected (must be >= 0)', () => {
    const r = bad((s) => {
      s.devices[0].max_pasids = -1;
    });
    expect(r.message).toBe('must be >= 0');
  });

  test('a 2^40-byte buffer is rejected at buffers[0].size', () => {
    expect(
      bad((s) => {
        s.buffers[0].size = 2 ** 40;
      }).where,
    ).toBe('scenario.buffers[0].size');
  });

  test('a DMA mask wider than 48 bits is rejected', () => {
    expect(
      bad((s) => {
        s.devices[0].dma_mask_bits = 64;
      }).where,
    ).toBe('scenario.devices[0].dma_mask_bits');
  });

  test('a flush queue size that is not a power of two is rejected with the reason', () => {
    const r = bad((s) => {
      s.dma = { fq_size: 3 };
    });
    expect(r.where).toBe('scenario.dma.fq_size');
    expect(r.message).toContain('power of two');
  });

  test('a fault nth of 0 is rejected ("nth counts from 1")', () => {
    const r = bad((s) => {
      s.faults = [{ op: 'attach_dev', nth: 0 }];
    });
    expect(r.where).toBe('scenario.faults[0].nth');
    expect(r.message).toBe('nth counts from 1');
  });

  test('formatInputError prints "where: message"', () => {
    const r = bad((s) => {
      s.devices[1].iommu = 'nope';
    });
    expect(formatInputError(r)).toBe('scenario.devices[1].iommu: no IOMMU named "nope"');
  });
});

describe('parseScenario: property over malformed scenarios', () => {
  const SEED = 20240613;
  test(`mutated built-in scenarios either parse or give an InputError with where and message, never a throw (fast-check seed ${SEED}, 600 runs)`, () => {
    const bases = BUILTIN_SCENARIO_NAMES.map((n) => BUILTIN_SCENARIOS[n]);
    let rejected = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...bases),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        (doc, muts) => {
          const input = mutate(doc, muts);
          const r = parseScenario(input);
          if (!r.ok) {
            rejected++;
            expect(typeof r.where).toBe('string');
            expect(r.where.length).toBeGreaterThan(0);
            expect(r.where.startsWith('scenario')).toBe(true);
            expect(typeof r.message).toBe('string');
            expect(r.message.length).toBeGreaterThan(0);
          } else {
            expect(r.value.devices.length).toBeGreaterThan(0);
          }
        },
      ),
      { seed: SEED, numRuns: 600 },
    );
    // The mutations must actually exercise the rejection paths.
    expect(rejected).toBeGreaterThan(100);
  });

  const SEED2 = 7_777_001;
  test(`arbitrary JSON documents never make parseScenario throw (fast-check seed ${SEED2}, 500 runs)`, () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const r = parseScenario(JSON.parse(JSON.stringify(v)) as Json);
        if (!r.ok) {
          expect(r.where.length).toBeGreaterThan(0);
          expect(r.message.length).toBeGreaterThan(0);
        }
      }),
      { seed: SEED2, numRuns: 500 },
    );
  });
});
