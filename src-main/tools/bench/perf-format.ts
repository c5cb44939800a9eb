// The readable report of `npm run bench` (the JSON form is the result object itself).
import type { PerformanceBenchResult } from './performance';

const pad = (s: string, n: number) => s.padStart(n);
const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const mb = (v: number) => `${v.toFixed(0)} MB`;

function table(header: string[], rows: string[][], firstWidth: number): string[] {
  const widths = header.map((h, i) => Math.max(i === 0 ? firstWidth : 0, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]) : pad(c, widths[i]))).join('  ');
  return [line(header), ...rows.map(line)];
}

function memoryTrend(points: { image: number; rssMB: number; heapMB: number }[]): string {
  if (points.length === 0) return '-';
  const pick = [points[0], points[Math.floor((points.length - 1) / 2)], points[points.length - 1]];
  return pick.map((p) => `#${p.image} ${mb(p.rssMB)} (heap ${mb(p.heapMB)})`).join(' -> ');
}

export function formatPerformanceReport(r: PerformanceBenchResult): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(
    `Samantic performance — ${r.model.id} (${r.model.decoder} decoder) on ${r.model.provider}, ${r.model.threads} onnxruntime threads, ` +
      `preset ${r.settings.preset}${r.settings.pointsPerSide ? ` (${r.settings.pointsPerSide} points per side)` : ''}, prefetch ${r.settings.prefetch} ` +
      `(${r.settings.encodeAhead ? `decode ahead, encode ahead in a worker thread with ${r.model.encoderWorkerThreads} threads` : 'decode ahead only; the encoder runs on the JavaScript thread'})` +
      `, ${r.settings.amgWorkers ? `AMG post-processing in ${r.settings.amgWorkers} worker thread${r.settings.amgWorkers > 1 ? 's' : ''}` : 'AMG post-processing in process'}`,
    `machine: ${m.cores} cores (${m.cpu}), ${mb(m.totalMemoryMB)}, node ${m.node}; load average ${m.loadAverageStart.map((x) => x.toFixed(1)).join(' ')} at start, ` +
      `${m.loadAverageEnd.map((x) => x.toFixed(1)).join(' ')} at end (other processes share these cores)`,
    `model load ${r.model.loadSeconds.toFixed(2)} s`,
    '',
    'Per image (busy time per phase; img decode timed in a separate pass, since in the run it overlaps the previous image; ' +
      '"enc ahead" = latency of the encoder worker beside the previous image, not busy time of the segmenting thread; ' +
      'MODEL = encode + decoder, SAMANTIC = the rest; prompts = decoder prompts per image; ours = SAMANTIC / (encoder wherever it ran + decoder)):',
  );
  const phaseRows = r.folders.map((f) => {
    const p = f.perImage;
    return [
      `${f.label} [${f.images}${f.failed ? `, ${f.failed} failed` : ''}]`,
      ms(p.decodeImage),
      ms(p.encode),
      ms(p.encodeAhead),
      ms(p.decoderModel),
      ms(p.postprocess),
      ms(p.segmentEmbeddings),
      ms(p.clustering),
      ms(p.database),
      ms(p.wait),
      ms(p.model),
      ms(p.samantic),
      ms(p.wall),
      p.imagesPerMinute.toFixed(2),
      p.promptsPerImage.toFixed(0),
      `${(100 * p.oursShare).toFixed(1)} %`,
    ];
  });
  out.push(
    ...table(
      [
        'folder [images]',
        'img decode',
        'encode',
        'enc ahead',
        'decoder',
        'post-proc',
        'seg emb',
        'cluster',
        'db',
        'wait',
        'MODEL',
        'SAMANTIC',
        'wall/img',
        'img/min',
        'prompts',
        'ours',
      ],
      phaseRows,
      20,
    ),
  );
  out.push('', 'Memory, segments and the cache (reopen = open project + scan + process with nothing pending):');
  out.push(
    ...table(
      ['folder', 'segments', 'classes', 'peak rss', 'peak heap', 'first run', 'reopen', 'encoded again', 'speed-up'],
      r.folders.map((f) => [
        f.label,
        String(f.segments),
        String(f.classes),
        mb(f.peakRssMB),
        mb(f.peakHeapMB),
        `${f.firstRunSeconds.toFixed(1)} s`,
        f.reopen ? ms(f.reopen.seconds * 1000) : '-',
        f.reopen ? String(f.reopen.encoded) : '-',
        f.reopen ? `${f.reopen.speedup.toFixed(0)}x` : '-',
      ]),
      20,
    ),
  );
  for (const f of r.folders) out.push(`  rss over ${f.label}: ${memoryTrend(f.memory)}`);
  out.push(`  process peak rss (kernel maxRSS) after the pipeline: ${mb(r.processPeakRssMB)}`);

  if (r.prunedComparison) {
    out.push('', `SAM's exact generator against the pruned preset (same embeddings; match = IoU >= 0.9):`);
    out.push(
      ...table(
        ['image', 'prompts', 'masks', 'AMG time', 'full kept', 'pruned in full'],
        r.prunedComparison.map((c) => [
          c.file,
          `${c.prompts.full} -> ${c.prompts.pruned}`,
          `${c.masks.full} -> ${c.masks.pruned}`,
          `${ms(c.ms.full)} -> ${ms(c.ms.pruned)}`,
          `${(100 * c.fullKept).toFixed(1)} %`,
          `${(100 * c.prunedInFull).toFixed(1)} %`,
        ]),
        20,
      ),
    );
  }

  if (r.pipelining) {
    const p = r.pipelining;
    out.push(
      '',
      `Feeding the model on ${p.label} (${p.images} images, processing only, best of ${p.rounds} alternating runs; ` +
        'threads = onnxruntime intra-op threads of the decoder + the encoder worker):',
    );
    out.push(
      ...table(
        ['setup', 'prefetch', 'threads', 'seconds', 'gain', 'waiting for next image'],
        p.variants.map((v) => [
          v.name,
          String(v.prefetch),
          v.encoderThreads === null ? String(v.decoderThreads) : `${v.decoderThreads} + ${v.encoderThreads}`,
          `${v.seconds.toFixed(1)} s`,
          `${v.gain.toFixed(2)}x`,
          ms(v.waitMs),
        ]),
        20,
      ),
    );
  }

  if (r.memoryCheck) {
    const c = r.memoryCheck;
    out.push(
      '',
      `Memory over ${c.images} images (${c.width}x${c.height} pizzas, ${c.pointsPerSide} points per side, ${c.imagesPerMinute.toFixed(0)} img/min` +
        `${c.failed ? `, ${c.failed} failed` : ''}): ` +
        c.checkpoints.map((x) => `#${x.image} rss ${mb(x.rssMB)} heap ${mb(x.heapMB)}`).join(', '),
      `  trend over the second half: rss ${c.rssSlopeMBPer100.toFixed(1)} MB per 100 images, heap ${c.heapSlopeMBPer100.toFixed(1)} MB per 100 images ` +
        `(heap between ${mb(c.minHeapMB)} and ${mb(c.maxHeapMB)}); peak rss ${mb(c.peakRssMB)}`,
    );
  }

  if (r.peer) {
    out.push(
      '',
      "Post-processing vs SAM's reference generator at points_per_side 32 (the generator re-run on recorded decoder outputs,",
      'so no model time is included; median of the runs listed; CPU = process CPU time, wall also counts other processes on the cores):',
    );
    out.push(
      ...table(
        ['image', 'variant', 'threads', 'peer', 'Samantic wall', 'CPU', 'speed-up wall', 'CPU', 'runs (wall)', 'decoder model', 'masks'],
        r.peer.rows.map((x) => [
          `${x.file} ${x.width}x${x.height}`,
          x.variant,
          x.workers ? `${x.workers} AMG workers` : 'in process',
          `${x.peerSeconds.toFixed(1)} s`,
          `${x.postSeconds.toFixed(2)} s`,
          `${x.postCpuSeconds.toFixed(2)} s`,
          `${x.speedup.toFixed(1)}x`,
          `${x.speedupCpu.toFixed(1)}x`,
          x.runSeconds.map((t) => t.toFixed(2)).join(' / '),
          `${x.decoderSeconds.toFixed(1)} s`,
          String(x.masks),
        ]),
        24,
      ),
    );
    for (const s of r.peer.skipped) out.push(`  skipped: ${s}`);
  }

  if (r.clusterScale) {
    const c = r.clusterScale;
    out.push(
      '',
      `Clustering at scale: ${c.n.toLocaleString('en')} x ${c.dim}-d, ${c.trueClasses} true classes (${c.kernel} kernel): ` +
        `${c.clusterSeconds.toFixed(1)} s (+${c.generateSeconds.toFixed(1)} s to generate), ${c.foundClasses} classes found, ` +
        `ARI vs truth ${c.ari.toFixed(3)}, ${c.approximate ? 'approximate' : 'exact'}; peak rss ${mb(c.peakRssMB)} (sampled ${mb(c.peakRssSampledMB)})`,
    );
    if (c.exact) {
      out.push(
        `  exact method on a ${c.exact.n.toLocaleString('en')} subset: ${c.exact.seconds.toFixed(1)} s, ${c.exact.foundClasses} classes, ` +
          `ARI vs truth ${c.exact.ari.toFixed(3)}, agreement with the full run ${c.exact.agreement.toFixed(3)}`,
      );
    }
  }
  out.push('', `total ${r.totalSeconds.toFixed(1)} s`);
  return out.join('\n');
}
