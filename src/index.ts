/**
 * The public API of `perf-engine`: run the engine inside another program, validate and type the
 * messages of the wire contract, and use the engine's pure analysis (anomaly detection, profile
 * analysis and exports) on your own data. The agent SDK is `perf-engine/agent`.
 */
export { PerformanceEngine, describeConfig, engineHostName, type EngineOverrides } from './engine/engine.js';
export { ConfigStore } from './config/config-store.js';
export { loadConfig, type LoadedConfig } from './config/load.js';
export { ConfigSchema, CONFIG_KEYS, type Config, type ConfigKey } from './config/schema.js';
export { createLogger } from './lifecycle/logger.js';

export { SUBJECTS, agentProfileSubject } from './wire/subjects.js';
export { WIRE_SCHEMAS, jsonSchemaDocument } from './wire/catalog.js';
export { SnapshotWire } from './wire/realtime-metrics.js';
export { AlertMessage, BottleneckMessage, BottleneckUpdateMessage, ProfileReportMessage } from './wire/outbound.js';
export { OptimizationAppliedMessage, OptimizationRolledBackMessage, OptimizationStatusMessage } from './wire/optimizing.js';
export { InsightsMessage } from './wire/insights.js';

export { FIXED_METRICS, isValidName, type FixedMetric } from './model/metric-names.js';
export { BOTTLENECK_KINDS, type BottleneckKind } from './model/bottleneck.js';
export { SEVERITIES, type Severity } from './model/severity.js';
export { PROFILE_KINDS, type ProfileKind, type ProfileTarget } from './model/profile.js';
export { OPTIMIZATION_ACTIONS, OPTIMIZATION_STATUSES, type OptimizationAction, type OptimizationStatus } from './model/optimization.js';
export type { MetricSnapshot, Sample } from './model/snapshot.js';

export { createSeriesDetector, restoreSeriesDetector, scoreSeries, type SeriesDetector, type DetectorOptions } from './detect/anomaly/index.js';
export { analyzeProfileBytes, type AnalyzedProfile } from './profile/analysis/analyze-profile.js';
export { EXPORT_FORMATS, exportProfile, type ExportFormat } from './profile/export/export-profile.js';
