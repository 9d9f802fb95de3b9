/**
 * The explore, mutants, scenarios, variants and schema commands as a user runs them, in process
 * (test/__helpers__/cli.ts): exit codes, stdout and stderr text, --json shapes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cli } from '../__helpers__/cli.js';

describe('iommu-spec explore', () => {
  test('a passing scenario: exit 0 and the JSON shape of the contract', () => {
    const r = cli('explore', '--scenario', 'vtd-sva', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ scenario: 'vtd-sva', result: 'pass', violations: [] });
    expect(j.states).toBeGreaterThan(1);
    expect(j.transitions).toBeGreaterThan(j.states - 1);
    expect(j.depth).toBeGreaterThan(1);
  });

  test('a seeded bug: exit 1, the invariant named, and a counterexample that replay reproduces (exit 1)', () => {
    const r = cli(
      'explore',
      '--scenario',
      'vtd-pasid',
      '--mutant',
      'cd-left-after-detach',
      '--json',
    );
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.result).toBe('violation');
    expect(j.violations[0].invariant).toBe('PasidRoutesToOneDomain');
    const dir = mkdtempSync(join(tmpdir(), 'iommu-spec-'));
    const file = join(dir, 'cex.json');
    writeFileSync(file, JSON.stringify(j.violations[0].trace));
    const rep = cli('replay', file, '--mutant', 'cd-left-after-detach');
    expect(rep.code).toBe(1);
    expect(rep.out).toContain('violation of PasidRoutesToOneDomain');
    // Without the seeded bug the same calls hold every invariant.
    const faithful = cli('replay', file);
    expect(faithful.out).not.toContain('violation of');
  });

  test('the text report names the invariant, its citation and the trace', () => {
    const r = cli(
      'explore',
      '--scenario',
      'vtd-dma-strict',
      '--mutant',
      'rcache-non-pow2',
      '--no-progress',
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('VIOLATED RcacheTyping');
    expect(r.out).toContain('drivers/iommu/iova.c');
    expect(r.out).toContain('"call": "dma_map_single"');
  });

  test('a bound cut short: exit 3, result incomplete', () => {
    const r = cli('explore', '--scenario', 'smmu-dma', '--max-states', '5', '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out).result).toBe('incomplete');
  });

  test('fingerprint mode reaches the same count and prints the collision probability', () => {
    const full = JSON.parse(cli('explore', '--scenario', 'vtd-pasid', '--json').out);
    const fp = JSON.parse(cli('explore', '--scenario', 'vtd-pasid', '--json', '--fingerprint').out);
    expect(fp.states).toBe(full.states);
    expect(fp.fingerprint.collisionProbability).toBeLessThan(1e-9);
    expect(fp.fingerprint.bytesPerState).toBeGreaterThan(0);
  });

  test('symmetry: orbits counted and reported, --no-symmetry counts every state', () => {
    const fixture = 'test/check/fixtures/vtd-three-dma.json';
    const on = cli('explore', '--scenario', fixture, '--json');
    const off = cli('explore', '--scenario', fixture, '--json', '--no-symmetry');
    expect([on.code, off.code]).toEqual([0, 0]);
    const [a, b] = [JSON.parse(on.out), JSON.parse(off.out)];
    expect(a.symmetry).toEqual({ classes: 1, permutations: 6, applied: true });
    expect(b.symmetry).toMatchObject({ applied: false, reason: 'turned off (--no-symmetry)' });
    expect(a.states).toBeLessThan(b.states);
    const text = cli('explore', '--scenario', fixture, '--no-progress');
    expect(text.out).toContain(
      'symmetry: 1 class(es), 6 permutations; states counted one per orbit',
    );
  });

  test('KTAP and JUnit reporters', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iommu-spec-'));
    const junit = join(dir, 'r.xml');
    const r = cli('explore', '--scenario', 'vtd-sva', '--ktap', '--junit', junit);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('KTAP version 1');
    expect(r.out).toContain('ok 1 vtd-sva');
    expect(r.out).toMatch(/ok \d+ PasidRoutesToOneDomain/);
  });

  test.each([
    [['explore', '--scenario', 'no-such-scenario'], 'no built-in scenario'],
    [['explore', '--mutant', 'no-such-bug'], 'unknown mutant'],
    [['explore', '--max-states', 'lots'], '--max-states'],
    [['explore', '--bogus'], 'unknown option'],
    [['explore', '--variant', 'nope'], 'unknown variant'],
    [
      ['explore', '--scenario', 'vtd-sva', '--workers', '0'],
      '--workers takes a positive whole number',
    ],
    [
      ['explore', '--scenario', 'vtd-sva', '--workers', 'abc'],
      '--workers takes a positive whole number',
    ],
    [
      ['explore', '--scenario', 'vtd-sva', '--workers', '1.5'],
      '--workers takes a positive whole number',
    ],
    [
      ['explore', '--scenario', 'vtd-sva', '--workers', '-2'],
      '--workers takes a positive whole number',
    ],
    [['variants', '--workers', '0'], '--workers takes a positive whole number'],
    [[], 'Usage'],
  ])('bad input %j: exit 2, a message, no stack trace', (args, msg) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(msg);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('listing commands', () => {
  test('mutants and scenarios list what is built in', () => {
    expect(JSON.parse(cli('mutants', '--json').out).mutants.length).toBeGreaterThanOrEqual(12);
    expect(
      JSON.parse(cli('scenarios', '--json').out).scenarios.map((s: { name: string }) => s.name),
    ).toContain('smmu-dma');
  });

  test('schema prints JSON Schemas for both formats', () => {
    const j = JSON.parse(cli('schema').out);
    expect(j.scenario.type).toBe('object');
    expect(j.scenario.properties.devices.type).toBe('array');
    expect(j.trace.properties.steps.type).toBe('array');
  });

  test('variants: every verdict as pinned (exit 0), JSON shape of the contract', () => {
    const r = cli('variants', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    for (const v of j.variants) {
      expect(v).toHaveProperty('debate');
      expect(v).toHaveProperty('name');
      expect(typeof v.merged).toBe('boolean');
      expect(Object.values(v.invariants).every((x) => x === 'holds' || x === 'violated')).toBe(
        true,
      );
    }
  });
});
