/**
 * Wait for an image's analysis: poll the detail endpoint with growing delays while it answers
 * 404 (not analyzed yet) or a transient error, and give up after a while.
 */
import { ApiError, getImage } from "./api.js";

/** Polling stopped without a result: gave up, or was cancelled. */
export class PollError extends Error {
  /**
   * @param {string} message readable sentence
   * @param {boolean} [cancelled]
   */
  constructor(message, cancelled = false) {
    super(message);
    this.name = "PollError";
    this.cancelled = cancelled;
  }
}

/**
 * The delays (ms) between attempts, growing by `factor` up to `maxDelay`, until `giveUpAfter`
 * milliseconds have been spent waiting in total.
 * @param {{initialDelay: number, factor: number, maxDelay: number, giveUpAfter: number}} timing
 * @returns {number[]}
 */
export function backoffSchedule({ initialDelay, factor, maxDelay, giveUpAfter }) {
  const delays = [];
  let delay = initialDelay;
  let total = 0;
  while (total + delay <= giveUpAfter) {
    delays.push(delay);
    total += delay;
    delay = Math.min(maxDelay, Math.round(delay * factor));
  }
  return delays;
}

/**
 * Whether a failed detail request is worth retrying.
 * @param {unknown} error
 * @returns {boolean}
 */
function retryable(error) {
  if (!(error instanceof ApiError)) return false;
  const { status } = error;
  return status === 404 || status === 0 || status === 429 || status >= 500;
}

/**
 * Poll until the document exists.
 * @param {string} id image id
 * @param {{initialDelay: number, factor: number, maxDelay: number, giveUpAfter: number}} timing
 * @param {AbortSignal} signal abort to stop polling (rejects with `cancelled: true`)
 * @param {(attempt: number) => void} [onAttempt] called before each request
 * @returns {Promise<any>} the document; rejects with PollError, or ApiError for a non-retryable answer
 */
export async function waitForAnalysis(id, timing, signal, onAttempt = () => {}) {
  const delays = [0, ...backoffSchedule(timing)];
  for (const [attempt, delay] of delays.entries()) {
    await sleep(delay, signal);
    onAttempt(attempt + 1);
    let document = null;
    try {
      document = await getImage(id);
    } catch (error) {
      if (!retryable(error)) throw error;
    }
    if (signal.aborted) throw new PollError("Stopped waiting.", true);
    if (document) return document;
  }
  const seconds = Math.round(timing.giveUpAfter / 1000);
  const unit = seconds === 1 ? "second" : "seconds";
  throw new PollError(`The analysis is taking longer than ${seconds} ${unit}. Check the gallery later.`);
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
      reject(new PollError("Stopped waiting.", true));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new PollError("Stopped waiting.", true));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
