/** Most metrics in one snapshot (wire contract). */
export const MAX_METRICS_PER_SNAPSHOT = 1000;
/** Most labels on one snapshot (wire contract). */
export const MAX_LABELS = 32;
/** Longest label key. */
export const MAX_LABEL_KEY_LENGTH = 128;
/** Longest label value. */
export const MAX_LABEL_VALUE_LENGTH = 1024;
