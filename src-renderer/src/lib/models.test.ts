import { describe, expect, it } from 'vitest';
import type { ModelInfo, ProjectSummary } from '@contract';
import { defaultModelChoice, formatSize, modelFacts, modelOptionLabel, switchWarning } from './models';

const model = (over: Partial<ModelInfo>): ModelInfo => ({
  id: 'x',
  name: 'X',
  present: false,
  generated: false,
  family: 'sam1',
  speedClass: 'medium',
  paramsMillions: null,
  bytes: null,
  pointsOnly: false,
  ...over,
});

const tiny = model({ id: 'sam2.1-hiera-tiny', name: 'SAM 2.1 Hiera-T', family: 'sam2', speedClass: 'fast', paramsMillions: 38.9 });
const vitB = model({ id: 'sam-vit-b', name: 'SAM ViT-B', present: true, paramsMillions: 93.7, bytes: 375_042_383 });
const testSam = model({ id: 'test-sam', name: 'test-sam', present: true, generated: true, speedClass: 'fast' });
const edge = model({ id: 'edgesam', name: 'EdgeSAM-3x', speedClass: 'fast', paramsMillions: 9.6, pointsOnly: true });

describe('model picker', () => {
  it('says family, speed class, parameters, size and whether the model is there', () => {
    expect(modelFacts(tiny)).toBe(
      'SAM 2 interface · fast on a CPU · 38.9M parameters · size unknown · not downloaded: samantic models download sam2.1-hiera-tiny',
    );
    expect(modelFacts(vitB)).toBe('SAM 1 interface · medium on a CPU (SAM ViT-B) · 93.7M parameters · 375 MB · downloaded');
    expect(modelFacts(testSam)).toMatch(/generated stand-in .* always available$/);
    expect(modelFacts(edge)).toMatch(/clicks do not refine the last mask$/);
    expect(modelFacts(model({ family: null, speedClass: null }))).toMatch(/^unreadable model\.json · speed unknown/);
  });

  it('labels options with the speed class and marks missing ones', () => {
    expect(modelOptionLabel(tiny)).toBe('SAM 2.1 Hiera-T — fast (not downloaded)');
    expect(modelOptionLabel(vitB)).toBe('SAM ViT-B — medium');
    expect(formatSize(2_500_000_000)).toBe('2.5 GB');
    expect(formatSize(1000)).toBe('< 1 MB');
  });

  it('preselects the folder model when present, else a downloaded real model, else a generated one', () => {
    expect(defaultModelChoice([testSam, tiny, vitB])).toBe('sam-vit-b');
    expect(defaultModelChoice([testSam, tiny, vitB], 'test-sam')).toBe('test-sam');
    expect(defaultModelChoice([testSam, tiny, vitB], 'sam2.1-hiera-tiny')).toBe('sam-vit-b');
    expect(defaultModelChoice([tiny, testSam])).toBe('test-sam');
    expect(defaultModelChoice([tiny])).toBe('sam2.1-hiera-tiny');
    expect(defaultModelChoice([])).toBe('');
  });

  it('warns only when the folder was processed with another model', () => {
    const summary = { modelId: 'test-sam2', switchedFrom: 'test-sam' } as ProjectSummary;
    expect(switchWarning(summary)).toMatch(/processed with test-sam; it is now open with test-sam2\. .*your classes are kept/);
    expect(switchWarning({ ...summary, switchedFrom: null })).toBeNull();
    expect(switchWarning(null)).toBeNull();
  });
});
