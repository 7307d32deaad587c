/** Timing of a receiver's groups, as Alertmanager has it. */
export interface GroupTiming {
  /** A new group waits this long for more items before its first send. */
  readonly waitMs: number;
  /** After a send, the group's next send waits at least this long. */
  readonly intervalMs: number;
}

/** Items of one group that are due. */
export interface DueGroup<T> {
  readonly key: string;
  readonly items: readonly T[];
}

interface Group<T> {
  items: { seq: number; item: T }[];
  dueAt: number;
  lastSentAt: number | null;
}

/**
 * Groups items by key and says when each group is due (pure: the caller passes the time). A new
 * group is due `waitMs` after its first item; a group sent before is due `intervalMs` after that
 * send. Holds at most `max` items: past that the oldest item of any group is dropped and returned,
 * so the caller can count it. A sent group whose interval has passed with nothing new is forgotten.
 */
export class Grouper<T> {
  readonly #groups = new Map<string, Group<T>>();
  #size = 0;
  #seq = 0;

  constructor(
    private readonly timing: GroupTiming,
    private readonly max: number,
  ) {}

  /** Adds an item to its group; returns the item dropped to make room, if any. */
  add(key: string, item: T, now: number): T | null {
    let g = this.#groups.get(key);
    if (g && g.items.length === 0 && g.lastSentAt !== null && now - g.lastSentAt >= this.timing.intervalMs) {
      this.#groups.delete(key);
      g = undefined;
    }
    if (!g) this.#groups.set(key, (g = { items: [], dueAt: now + this.timing.waitMs, lastSentAt: null }));
    else if (g.items.length === 0) g.dueAt = Math.max(now, (g.lastSentAt ?? now) + this.timing.intervalMs);
    g.items.push({ seq: this.#seq++, item });
    this.#size++;
    return this.#size > this.max ? this.#dropOldest() : null;
  }

  /** Takes every group due at `now` (oldest first), marking each as sent at `now`. */
  takeDue(now: number): DueGroup<T>[] {
    const due: (DueGroup<T> & { seq: number })[] = [];
    for (const [key, g] of this.#groups) {
      if (g.items.length > 0 && g.dueAt <= now) {
        due.push({ key, items: g.items.map((i) => i.item), seq: g.items[0]!.seq });
        this.#size -= g.items.length;
        g.items = [];
        g.lastSentAt = now;
      } else if (g.items.length === 0 && g.lastSentAt !== null && now - g.lastSentAt >= this.timing.intervalMs) {
        this.#groups.delete(key);
      }
    }
    return due.sort((a, b) => a.seq - b.seq).map(({ key, items }) => ({ key, items }));
  }

  /** Takes every waiting item whether due or not (shutdown), by group. */
  takeAll(): DueGroup<T>[] {
    const all = [...this.#groups].filter(([, g]) => g.items.length > 0).map(([key, g]) => ({ key, items: g.items.map((i) => i.item) }));
    this.#groups.clear();
    this.#size = 0;
    return all;
  }

  /** When the next group is due; null when nothing waits. */
  nextDueAt(): number | null {
    let next: number | null = null;
    for (const g of this.#groups.values()) if (g.items.length > 0 && (next === null || g.dueAt < next)) next = g.dueAt;
    return next;
  }

  /** Items waiting. */
  get size(): number {
    return this.#size;
  }

  #dropOldest(): T | null {
    let oldest: Group<T> | null = null;
    for (const g of this.#groups.values()) if (g.items.length > 0 && (!oldest || g.items[0]!.seq < oldest.items[0]!.seq)) oldest = g;
    if (!oldest) return null;
    this.#size--;
    return oldest.items.shift()!.item;
  }
}
