import { describe, expect, it } from 'vitest';
import { autoCandidates, linuxGpuPresent } from './providers';

const dirs = (tree: Record<string, string[]>) => (dir: string) => tree[dir] ?? [];

describe('GPU detection for --device auto', () => {
  it('sees a DRM render node, an NVIDIA node or the WSL bridge', () => {
    expect(linuxGpuPresent(dirs({ '/dev/dri': ['card0', 'renderD128'] }))).toBe(true);
    expect(linuxGpuPresent(dirs({ '/dev': ['null', 'nvidia0', 'nvidiactl'] }))).toBe(true);
    expect(linuxGpuPresent(dirs({ '/dev': ['dxg'] }))).toBe(true);
  });

  it('sees none on a machine with only a display card node or nothing', () => {
    expect(linuxGpuPresent(dirs({ '/dev/dri': ['card0'], '/dev': ['null', 'nvidiactl'] }))).toBe(false);
    expect(linuxGpuPresent(dirs({}))).toBe(false);
  });

  it('tries no GPU provider on Linux without a GPU, so nothing native prints warnings', () => {
    expect(autoCandidates('linux', ['cpu', 'webgpu'], () => false)).toEqual([]);
    expect(autoCandidates('linux', ['cpu', 'webgpu'], () => true)).toEqual(['webgpu']);
  });

  it('keeps the platform order and only providers the binding lists', () => {
    expect(autoCandidates('win32', ['cpu', 'dml', 'webgpu'], () => false)).toEqual(['dml', 'webgpu']);
    expect(autoCandidates('darwin', ['cpu', 'coreml'], () => false)).toEqual(['coreml']);
  });
});
