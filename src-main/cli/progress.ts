// Progress output for the CLI: a redrawn bar with ETA and images/s on a terminal, plain lines
// otherwise (CI logs, pipes), nothing at all in --json mode (stdout is then one JSON document).

export interface ProgressSink {
  update(done: number, total: number, label: string, imagesPerSecond: number, etaSeconds: number | null): void;
  line(text: string): void;
  /**
   * What is going on right now: redrawn in place on a terminal; elsewhere printed only when
   * `significant` (a new image), so logs get one line per image, not one per decoder batch.
   */
  status(text: string, significant: boolean): void;
  end(): void;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(r).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function renderBar(done: number, total: number, width: number): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(frac * width);
  return '[' + '#'.repeat(full) + '-'.repeat(width - full) + ']';
}

export function createProgress(stream: NodeJS.WriteStream, mode: 'auto' | 'json'): ProgressSink {
  if (mode === 'json') return { update() {}, line() {}, status() {}, end() {} };
  const tty = Boolean(stream.isTTY);
  let drawn = false;
  return {
    update(done, total, label, ips, eta) {
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      const stats = `${done}/${total} ${pct}% ${ips.toFixed(2)} img/s ETA ${formatDuration(eta)}`;
      if (tty) {
        const cols = stream.columns ?? 100;
        const room = Math.max(10, cols - stats.length - 4 - Math.min(30, label.length));
        const bar = renderBar(done, total, Math.min(40, room));
        stream.write(`\r\x1b[2K${bar} ${stats} ${label.slice(0, 30)}`);
        drawn = true;
      } else {
        stream.write(`${stats} ${label}\n`);
      }
    },
    status(text, significant) {
      if (tty) {
        stream.write(`\r\x1b[2K${text.slice(0, Math.max(10, (stream.columns ?? 100) - 1))}`);
        drawn = true;
      } else if (significant) stream.write(text + '\n');
    },
    line(text) {
      if (tty && drawn) stream.write('\r\x1b[2K');
      stream.write(text + '\n');
      drawn = false;
    },
    end() {
      if (tty && drawn) stream.write('\n');
      drawn = false;
    },
  };
}
