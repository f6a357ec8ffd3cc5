/** Formatting of numbers, sizes and dates for display. */

/**
 * A byte count for people: "812 B", "45.3 kB", "1.2 MB".
 * @param {number} bytes
 * @returns {string}
 */
export function formatBytes(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * A 0..1 score as a whole percentage: 0.934 → "93%".
 * @param {number} score
 * @returns {string}
 */
export function formatPercent(score) {
  return `${Math.round(clamp01(score) * 100)}%`;
}

/**
 * Clamp a number into 0..1 (anything that is not a finite number becomes 0).
 * @param {unknown} value
 * @returns {number}
 */
export function clamp01(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return 0;
  return Math.min(1, Math.max(0, n));
}

/**
 * A date for people in the browser's locale, from an ISO string or epoch seconds.
 * @param {string|number|null|undefined} value
 * @returns {string}
 */
export function formatDate(value) {
  if (value === null || value === undefined || value === "") return "unknown";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return "unknown";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * A Vision likelihood for people: "VERY_UNLIKELY" → "very unlikely".
 * @param {unknown} value
 * @returns {string}
 */
export function formatLikelihood(value) {
  if (typeof value !== "string" || value === "") return "unknown";
  return value.toLowerCase().replaceAll("_", " ");
}
