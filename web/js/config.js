/**
 * Tunables of the page, in one place. Change them here; nothing else hard-codes these values.
 */
export const config = Object.freeze({
  /** Longest edge, in pixels, of the image sent for analysis (larger images are downscaled). */
  maxEdge: 1600,
  /** JPEG quality used when encoding the capture or the chosen file (0..1). */
  jpegQuality: 0.85,
  /** Camera resolution asked for (the browser may give less). */
  cameraIdealWidth: 1280,
  cameraIdealHeight: 720,
  /** How long to wait for the camera's first picture before giving up (some take a few seconds). */
  cameraFirstFrameTimeoutMs: 6000,
  /** Polling for the analysis result: first delay, growth factor, longest delay, give up after. */
  pollInitialDelayMs: 500,
  pollBackoffFactor: 1.5,
  pollMaxDelayMs: 5000,
  pollGiveUpMs: 90000,
  /** Gallery page size (the API allows 1..100). */
  galleryPageSize: 20,
  /** How many detail requests the gallery makes at once to fetch thumbnail URLs. */
  thumbnailConcurrency: 4,
  /** How long a fetched photo URL is reused; keep it well under the API's URL lifetime (300 s). */
  thumbnailReuseMs: 120000,
});
