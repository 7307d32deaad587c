/** Edit distance (insertions, deletions, substitutions) between two strings. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The known names closest to a mistyped one, best first: those containing it or contained in it
 * (case-insensitive), then those within a few edits (a third of its length, at least 2).
 */
export function closeNames(name: string, known: readonly string[], max = 5): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  return known
    .map((k) => {
      const kl = k.toLowerCase();
      const d = kl.includes(lower) || lower.includes(kl) ? 0 : distance(lower, kl);
      return { k, d };
    })
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d || x.k.localeCompare(y.k))
    .slice(0, max)
    .map((x) => x.k);
}
