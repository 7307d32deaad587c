/** Longest the target waits for the engine's connection to its inspector to end before closing it anyway. */
export const CLOSE_WAIT_MS = 5000;

/**
 * Source evaluated in a target process, over the engine's own inspector session, to close the
 * inspector that SIGUSR1 opened for a capture. It must not close while a session is connected:
 * `inspector.close()` with a session still attached crashed Node 20 targets with SIGSEGV in about 3
 * of every 100 captures (2026-12-07; closing on the next turn, as this did before, was not late
 * enough). So the target closes once no TCP connection to its inspector port is left, as its
 * `/proc/self/net/tcp` and `tcp6` show (ESTABLISHED, SYN_RECV or CLOSE_WAIT on the local port),
 * plus one more check 50 ms later for the session's teardown to reach its main thread; after
 * {@link CLOSE_WAIT_MS} it closes regardless, rather than leave an inspector open. The timers are
 * unreferenced, so they never keep a process alive that would otherwise exit.
 */
export const CLOSE_INSPECTOR_SOURCE = `(() => {
  const builtin = (m) => (typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule(m) : require(m));
  const inspector = builtin('inspector');
  const fs = builtin('fs');
  const url = inspector.url();
  if (url === undefined) return false;
  const port = ':' + Number(new URL(url).port).toString(16).toUpperCase().padStart(4, '0');
  const connected = () => {
    for (const file of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
      let text = '';
      try { text = fs.readFileSync(file, 'utf8'); } catch { continue; }
      for (const line of text.split('\\n').slice(1)) {
        const f = line.trim().split(/\\s+/);
        if (f.length > 3 && f[1].endsWith(port) && (f[3] === '01' || f[3] === '03' || f[3] === '08')) return true;
      }
    }
    return false;
  };
  const deadline = Date.now() + ${CLOSE_WAIT_MS};
  let quiet = 0;
  const check = () => {
    quiet = connected() ? 0 : quiet + 1;
    if (quiet >= 2 || Date.now() >= deadline) inspector.close();
    else setTimeout(check, 50).unref();
  };
  setTimeout(check, 50).unref();
  return true;
})()`;
