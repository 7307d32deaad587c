import type { BottleneckResolveReason } from '../model/bottleneck.js';
import type { MetricEvidence } from './finding.js';

/** How a bottleneck ended. */
export interface Resolution {
  /** Its first frame without the signature (cleared), or its latest frame (stale, disabled). */
  readonly at: number;
  readonly reason: BottleneckResolveReason;
  /** The main metric at the frame that resolved it (cleared), or null when no frame did. */
  readonly after: MetricEvidence | null;
}
