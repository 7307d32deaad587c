import type { MetricSnapshot } from '../model/snapshot.js';

/** A source of metric snapshots, called once per monitoring tick. */
export interface Collector {
  readonly name: string;
  /**
   * Reads the system now; `now` is epoch ms used as the snapshots' timestamp. First call may return
   * fewer metrics (rates need two readings). Never throws for a vanished process/device; throws only
   * when the whole collector cannot work.
   */
  collect(now: number): Promise<MetricSnapshot[]>;
  /** Releases what the collector keeps open between ticks (file descriptors); call once, after the last collect. */
  close?(): void;
}

/** Options of the host collector; the roots let tests point it at fixture trees. */
export interface HostCollectorOptions {
  hostName: string;
  /** Default `/proc`. */
  procRoot?: string;
  /** Default `/sys`. */
  sysRoot?: string;
  /** Monotonic clock in ms used for rates; default `performance.now`. */
  clock?: () => number;
}

/** The slice of a logger the collectors use. */
export interface CollectorLog {
  warn(fields: object, message: string): void;
}

/** Options of the process collector. */
export interface ProcessCollectorOptions {
  hostName: string;
  /** JavaScript regex sources, tested against comm, the command line joined by spaces and basename(argv[0]). */
  patterns: readonly string[];
  /** The engine's own pid: always watched, with role `self`, whatever its age and the cap. */
  selfPid: number;
  /** Matching processes younger than this are not watched yet; default 0. */
  minAgeSeconds?: number;
  /** Most matching processes watched at once (the engine itself not counted); default no limit. */
  maxProcesses?: number;
  /** Where the collector says that the cap left processes out. */
  log?: CollectorLog;
  /** Default `/proc`. */
  procRoot?: string;
  /** Default `/sys`. */
  sysRoot?: string;
  /** Monotonic clock in ms used for rates; default `performance.now`. */
  clock?: () => number;
}

