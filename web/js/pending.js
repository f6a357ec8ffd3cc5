/**
 * Images uploaded in this browser tab whose analysis may still be running, so that their result
 * view keeps polling (also after a reload) instead of saying "not found".
 */
const KEY = "tricloud.pending";

/** @returns {Record<string, number>} id → upload time (ms) */
function read() {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) || "{}");
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}

/** @param {Record<string, number>} value */
function write(value) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(value));
  } catch {
    // Storage unavailable (private mode, quota): polling after a reload is a convenience only.
  }
}

/** @param {string} id */
export function markPending(id) {
  write({ ...read(), [id]: Date.now() });
}

/** @param {string} id @returns {boolean} */
export function isPending(id) {
  return id in read();
}

/** @param {string} id */
export function clearPending(id) {
  const value = read();
  delete value[id];
  write(value);
}
