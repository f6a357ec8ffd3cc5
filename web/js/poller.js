/**
 * Watch an image while it is pending: ask the detail endpoint again with growing delays for as
 * long as the image is `pending` (or the API is briefly unreachable), and hand every answer to
 * the caller so it can say what is going on. It never gives up on its own; leaving the view
 * stops it. An image the API does not know (404) or a bad id (400) ends the watch at once.
 */
import { ApiError, getImage } from "./api.js";

/** Watching stopped because the view was left. */
export class WatchCancelled extends Error {
  constructor() {
    super("Stopped watching.");
    this.name = "WatchCancelled";
  }
}

/**
 * @typedef {{initialDelay: number, factor: number, maxDelay: number}} Backoff
 */

/**
 * The next delay (ms): `initialDelay` first, then growing by `factor` up to `maxDelay`.
 * @param {number|null} previous the last delay, or null before the first
 * @param {Backoff} backoff
 * @returns {number}
 */
export function nextDelay(previous, { initialDelay, factor, maxDelay }) {
  if (previous === null) return initialDelay;
  return Math.min(maxDelay, Math.round(previous * factor));
}

/**
 * Whether a failed detail request is worth asking again (network, throttled, server trouble).
 * @param {unknown} error
 * @returns {boolean}
 */
function transient(error) {
  if (!(error instanceof ApiError)) return false;
  return error.status === 0 || error.status === 429 || error.status >= 500;
}

/**
 * Fetch the image and, while it is pending, keep fetching it with back-off.
 * @param {string} id image id
 * @param {Backoff} backoff
 * @param {AbortSignal} signal abort to stop (rejects with WatchCancelled)
 * @param {(update: {doc: any|null, error: ApiError|null, attempt: number}) => void} onUpdate
 *   called with each pending answer, or with a transient error
 * @returns {Promise<any>} the document once it is `done` or `failed`; rejects with an ApiError
 *   that is not worth repeating (404, 400)
 */
export async function watchImage(id, backoff, signal, onUpdate) {
  let delay = null;
  for (let attempt = 1; ; attempt += 1) {
    if (signal.aborted) throw new WatchCancelled();
    let doc = null;
    try {
      doc = await getImage(id);
    } catch (error) {
      if (signal.aborted) throw new WatchCancelled();
      if (!transient(error)) throw error;
      onUpdate({ doc: null, error: /** @type {ApiError} */ (error), attempt });
    }
    if (signal.aborted) throw new WatchCancelled();
    if (doc && doc.status !== "pending") return doc;
    if (doc) onUpdate({ doc, error: null, attempt });
    delay = nextDelay(delay, backoff);
    await sleep(delay, signal);
  }
}

/**
 * Wait, unless aborted.
 * @param {number} ms
 * @param {AbortSignal} signal
 * @returns {Promise<void>}
 */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new WatchCancelled());
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new WatchCancelled());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
