export { createSeriesDetector, restoreSeriesDetector } from './series-detector.js';
export type { SeriesDetector, SeriesDetail } from './series-detector.js';
export { DEFAULT_DETECTOR_OPTIONS, resolveDetectorOptions } from './options.js';
export type { DetectorOptions } from './options.js';
export { DEPARTURE_KINDS } from './novelty-memory.js';
export type { DepartureKind } from './novelty-memory.js';
export type { LevelShift } from './change-point.js';
export { formatScoresCsv, parseSeriesCsv, parseSeriesTimestamp, scoreSeries, SeriesCsvError } from './series-csv.js';
export type { SeriesRow } from './series-csv.js';
