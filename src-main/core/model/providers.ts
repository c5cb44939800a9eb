// Choosing onnxruntime-node execution providers, and surviving the ones that cannot start.
// onnxruntime-node 1.30 bundles: linux x64 cpu + webgpu (cuda/tensorrt need CUDA 12 libraries
// fetched at install), linux arm64 cpu, windows cpu + dml + webgpu, macOS arm64 cpu + coreml + webgpu.
// An unregistered provider is silently dropped (so asking for it would misreport what runs), while a
// registered one that cannot start REJECTS: ['cuda', 'cpu'] without the CUDA libraries fails with
// "Failed to load shared library", webgpu without an adapter fails too. So: only try providers the
// binding lists, one at a time, and fall back to CPU with a warning.

import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { PROVIDERS, type DeviceChoice, type Provider } from '../vocab';

export { PROVIDERS, type Provider };

/** Providers this onnxruntime-node binding knows on this platform (bundled or installable). */
export function bindingProviders(): string[] {
  try {
    return ort.listSupportedBackends().map((b) => b.name);
  } catch {
    return ['cpu'];
  }
}

/**
 * Whether the CUDA provider's shared library was installed beside the binding (onnxruntime-node's
 * install script downloads it only when CUDA 12 is present). Without it, trying cuda only costs time.
 */
export function cudaProviderInstalled(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('onnxruntime-node/package.json'));
    const binDir = join(pkgDir, 'bin', 'napi-v6', process.platform, process.arch);
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(binDir, lib));
  } catch {
    return false;
  }
}

/**
 * Whether a Linux machine shows any GPU device node: a DRM render node (Mesa, AMD, Intel, NVIDIA's
 * open driver), NVIDIA's own nodes, or WSL's GPU bridge. Without one, starting WebGPU only makes
 * Vulkan and Dawn print warnings and stack lines before failing, so 'auto' does not try.
 */
export function linuxGpuPresent(list: (dir: string) => string[] = safeList): boolean {
  return list('/dev/dri').some((n) => n.startsWith('renderD')) || list('/dev').some((n) => /^nvidia\d+$/.test(n) || n === 'dxg');
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** GPU providers 'auto' tries on this platform, best first (none on a Linux machine without a GPU). */
export function autoCandidates(
  platform: NodeJS.Platform = process.platform,
  listed: string[] = bindingProviders(),
  gpuPresent: () => boolean = linuxGpuPresent,
): Provider[] {
  if (platform === 'linux' && !gpuPresent()) return [];
  const order: Provider[] =
    platform === 'win32' ? ['cuda', 'dml', 'webgpu'] : platform === 'darwin' ? ['coreml', 'webgpu'] : ['cuda', 'webgpu'];
  return order.filter((p) => listed.includes(p) && (p !== 'cuda' || cudaProviderInstalled()));
}

export interface ProviderAttempt<T> {
  value: T;
  provider: Provider;
  warnings: string[];
}

/**
 * Tries `start(provider)` for the requested device, falling back to CPU. `strict`: an explicitly
 * requested device that cannot start is an error instead of a warning.
 */
export async function startWithFallback<T>(
  device: DeviceChoice,
  start: (provider: Provider) => Promise<T>,
  strict = false,
): Promise<ProviderAttempt<T>> {
  const warnings: string[] = [];
  const listed = bindingProviders();
  let candidates: Provider[];
  if (device === 'auto') {
    candidates = autoCandidates(process.platform, listed);
  } else if (device === 'cpu') {
    candidates = [];
  } else if (!listed.includes(device)) {
    const msg = `device "${device}" is not available in onnxruntime-node on ${process.platform}-${process.arch} (it offers: ${listed.join(', ')})`;
    if (strict) throw new Error(`${msg}. Choose one of those, or "auto".`);
    warnings.push(`${msg}; using the CPU instead.`);
    candidates = [];
  } else {
    candidates = [device];
  }
  for (const provider of candidates) {
    try {
      return { value: await start(provider), provider, warnings };
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      if (strict && device !== 'auto') {
        throw new Error(`device "${provider}" could not start: ${reason}. Install its runtime (e.g. CUDA 12 for cuda) or choose "cpu".`);
      }
      warnings.push(`${provider} could not start (${reason}); ${device === 'auto' ? 'trying the next option' : 'using the CPU instead'}.`);
    }
  }
  if (device === 'auto' && candidates.length > 0) warnings.push('no GPU provider could start; running on the CPU (slower).');
  return { value: await start('cpu'), provider: 'cpu', warnings };
}
