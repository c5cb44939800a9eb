// The model picker's words: the facts `samantic models list` shows (family, speed class, size,
// present or not), which model to preselect, and the warning for a folder processed with another
// model. Pure functions of the API's data, so they are tested without a browser.

import type { ModelInfo, ProjectSummary } from '@contract';

const FAMILIES: Record<string, string> = { sam1: 'SAM 1 interface', sam2: 'SAM 2 interface' };
const SPEEDS: Record<string, string> = {
  fast: 'fast on a CPU',
  medium: 'medium on a CPU (SAM ViT-B)',
  slow: 'slow on a CPU',
  'very-slow': 'very slow on a CPU',
};

export function formatSize(bytes: number | null): string {
  if (bytes === null) return 'size unknown';
  if (bytes < 1e6) return '< 1 MB';
  return bytes < 1e9 ? `${Math.round(bytes / 1e6)} MB` : `${(bytes / 1e9).toFixed(1)} GB`;
}

/** One line of facts about a model, in the order `samantic models list` gives them. */
export function modelFacts(m: ModelInfo): string {
  const parts = [
    m.family ? (FAMILIES[m.family] ?? m.family) : 'unreadable model.json',
    m.speedClass ? (SPEEDS[m.speedClass] ?? m.speedClass) : 'speed unknown',
  ];
  if (m.paramsMillions !== null) parts.push(`${m.paramsMillions}M parameters`);
  parts.push(m.generated ? 'generated stand-in (no learned weights)' : formatSize(m.bytes));
  parts.push(m.present ? (m.generated ? 'always available' : 'downloaded') : `not downloaded: samantic models download ${m.id}`);
  if (m.pointsOnly) parts.push('clicks do not refine the last mask');
  return parts.join(' · ');
}

/** The option text in the picker: the name, its speed class, and whether it can be chosen. */
export function modelOptionLabel(m: ModelInfo): string {
  const speed = m.speedClass ? ` — ${m.speedClass}` : '';
  return `${m.name}${speed}${m.present ? '' : ' (not downloaded)'}`;
}

/** The model to preselect: `wanted` when present, else the first present real model, else the first present one. */
export function defaultModelChoice(models: readonly ModelInfo[], wanted?: string | null): string {
  const usable = models.filter((m) => m.present);
  if (wanted && usable.some((m) => m.id === wanted)) return wanted;
  return (usable.find((m) => !m.generated) ?? usable[0] ?? models[0])?.id ?? '';
}

/** What to tell the user when the folder was processed with another model, or null. */
export function switchWarning(summary: ProjectSummary | null): string | null {
  if (!summary?.switchedFrom) return null;
  return (
    `This folder was processed with ${summary.switchedFrom}; it is now open with ${summary.modelId}. ` +
    `Images are encoded again with ${summary.modelId} (encodings are per model, nothing is mixed); ` +
    'the segments already made and your classes are kept.'
  );
}
