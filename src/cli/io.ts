/** Reading the public formats from disk: the only file access outside tests. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inputError, type Parsed } from '../../spec/input-error.js';
import { parseScenario, parseTraceFile } from '../../spec/parse.js';
import type { Scenario } from '../../spec/scenario.js';
import { BUILTIN_SCENARIOS, SIMULATION_SCENARIOS } from '../../spec/scenarios/index.js';
import type { TraceFile } from '../../spec/trace.js';

export function readJson(path: string, what: string): Parsed<unknown> {
  if (!existsSync(path)) return inputError(what, `no such file: ${path}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return inputError(what, `cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return inputError(what, `${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Write a text file (creating its folder); returns an error message, or null. */
export function writeText(path: string, text: string): string | null {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(path, text);
    return null;
  } catch (e) {
    return `cannot write ${path}: ${(e as Error).message}`;
  }
}

/** A built-in scenario name, or a path to a scenario file. */
export function loadScenario(nameOrPath: string, baseDir = process.cwd()): Parsed<Scenario> {
  if (Object.hasOwn(BUILTIN_SCENARIOS, nameOrPath))
    return parseScenario(BUILTIN_SCENARIOS[nameOrPath], `scenario ${nameOrPath}`);
  if (Object.hasOwn(SIMULATION_SCENARIOS, nameOrPath)) {
    return parseScenario(SIMULATION_SCENARIOS[nameOrPath], `scenario ${nameOrPath}`);
  }
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  if (!looksLikePath) {
    return inputError(
      '--scenario',
      `no built-in scenario "${nameOrPath}" (built-in: ${[...Object.keys(BUILTIN_SCENARIOS), ...Object.keys(SIMULATION_SCENARIOS)].join(', ')}); give a path to use a file`,
    );
  }
  const path = resolve(baseDir, nameOrPath);
  const json = readJson(path, 'scenario');
  if (!json.ok) return json;
  return parseScenario(json.value, 'scenario');
}

export interface LoadedTrace {
  readonly trace: TraceFile;
  readonly scenario: Scenario;
}

export function loadTrace(path: string): Parsed<LoadedTrace> {
  const json = readJson(resolve(path), 'trace');
  if (!json.ok) return json;
  const t = parseTraceFile(json.value);
  if (!t.ok) return t;
  const sc = t.value.scenario;
  const scenario =
    typeof sc === 'string'
      ? loadScenario(sc, dirname(resolve(path)))
      : parseScenario(sc, 'trace.scenario');
  if (!scenario.ok) return scenario;
  return { ok: true, value: { trace: t.value, scenario: scenario.value } };
}
