/**
 * The built-in scenarios. Each JSON file here is also an example of the public scenario format.
 */

import amdIgpuAudio from './amd-igpu-audio.json' with { type: 'json' };
import largeMixed from './large/large-mixed.json' with { type: 'json' };
import scaleMixed from './large/scale-mixed.json' with { type: 'json' };
import mockSmmuLookups from './mock-smmu-lookups.json' with { type: 'json' };
import mockUntrusted from './mock-untrusted.json' with { type: 'json' };
import mockUntrustedLazy from './mock-untrusted-lazy.json' with { type: 'json' };
import pasidMixedDrivers from './pasid-mixed-drivers.json' with { type: 'json' };
import s390Ism from './s390-ism.json' with { type: 'json' };
import smmuAndAmdIgpu from './smmu-and-amd-igpu.json' with { type: 'json' };
import smmuDma from './smmu-dma.json' with { type: 'json' };
import smmuDmaFaults from './smmu-dma-faults.json' with { type: 'json' };
import smmuHitless from './smmu-hitless.json' with { type: 'json' };
import smmuPasidReplace from './smmu-pasid-replace.json' with { type: 'json' };
import smmuRidFaults from './smmu-rid-faults.json' with { type: 'json' };
import v63Sysfs from './v63-sysfs.json' with { type: 'json' };
import vtdDmaStrict from './vtd-dma-strict.json' with { type: 'json' };
import vtdIovaExhaustion from './vtd-iova-exhaustion.json' with { type: 'json' };
import vtdPasid from './vtd-pasid.json' with { type: 'json' };
import vtdPasidDma from './vtd-pasid-dma.json' with { type: 'json' };
import vtdRequireDirect from './vtd-require-direct.json' with { type: 'json' };
import vtdSva from './vtd-sva.json' with { type: 'json' };
import vtdSvaFailures from './vtd-sva-failures.json' with { type: 'json' };
import vtdSvaTwoMms from './vtd-sva-two-mms.json' with { type: 'json' };
import vtdTwoUnits from './vtd-two-units.json' with { type: 'json' };

/** Raw JSON, validated by parseScenario like any user file. */
export const BUILTIN_SCENARIOS: Readonly<Record<string, unknown>> = {
  'smmu-and-amd-igpu': smmuAndAmdIgpu,
  'smmu-dma': smmuDma,
  'vtd-pasid': vtdPasid,
  'amd-igpu-audio': amdIgpuAudio,
  's390-ism': s390Ism,
  'mock-untrusted': mockUntrusted,
  'vtd-require-direct': vtdRequireDirect,
  'vtd-dma-strict': vtdDmaStrict,
  'vtd-iova-exhaustion': vtdIovaExhaustion,
  'vtd-sva': vtdSva,
  'smmu-hitless': smmuHitless,
  'mock-smmu-lookups': mockSmmuLookups,
  'pasid-mixed-drivers': pasidMixedDrivers,
  'smmu-dma-faults': smmuDmaFaults,
  'smmu-pasid-replace': smmuPasidReplace,
  'smmu-rid-faults': smmuRidFaults,
  'v63-sysfs': v63Sysfs,
  'vtd-sva-failures': vtdSvaFailures,
  'vtd-two-units': vtdTwoUnits,
  'vtd-sva-two-mms': vtdSvaTwoMms,
  'mock-untrusted-lazy': mockUntrustedLazy,
  'vtd-pasid-dma': vtdPasidDma,
};

export const BUILTIN_SCENARIO_NAMES = Object.keys(BUILTIN_SCENARIOS);

/** Scenarios too large to exhaust, for `simulate` (random runs); `explore` skips them by default. */
export const SIMULATION_SCENARIOS: Readonly<Record<string, unknown>> = {
  'large-mixed': largeMixed,
  'scale-mixed': scaleMixed,
};
