// Whether a process id is alive on this machine: used to tell a lock or temp file left by a killed
// process from one still in use.

/** True when `pid` exists here (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
