/** One line of a progress bar: `label [#####.....] 4.0/10 s`, filled in proportion to elapsed time. */
export function renderProgress(label: string, elapsedMs: number, totalMs: number, width = 30): string {
  const fraction = totalMs > 0 ? Math.min(1, Math.max(0, elapsedMs / totalMs)) : 1;
  const filled = Math.round(fraction * width);
  const seconds = (ms: number): string => (ms / 1000).toFixed(1);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${seconds(fraction * totalMs)}/${seconds(totalMs)} s`;
}

/** A running progress bar; `done` clears it. */
export interface Progress {
  done(): void;
}

/**
 * Shows a progress bar on stderr for `totalMs`, redrawn in place every 200 ms when stderr is a
 * terminal; otherwise prints the label once (logs and pipes get no carriage returns).
 */
export function startProgress(label: string, totalMs: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  if (!stream.isTTY) {
    stream.write(`${label} (${(totalMs / 1000).toFixed(1)} s)...\n`);
    return { done() {} };
  }
  const draw = (): void => {
    stream.write(`\r${renderProgress(label, Date.now() - started, totalMs)}`);
  };
  draw();
  const timer = setInterval(draw, 200);
  timer.unref();
  return {
    done() {
      clearInterval(timer);
      stream.write(`\r${' '.repeat(renderProgress(label, totalMs, totalMs).length)}\r`);
    },
  };
}
