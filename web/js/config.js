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
  /**
   * Watching a pending image: first delay, growth factor, longest delay (it never gives up).
   * A lone upload is analysed in about 0.3 s offline: asking after 150 ms and then every
   * 1.3x longer shows it within ~0.1 s of being ready while costing ~6 requests in 2 s.
   */
  watchInitialDelayMs: 150,
  watchBackoffFactor: 1.3,
  watchMaxDelayMs: 10000,
  /** Say that the analysis is late once an image is pending this long (the API's bound: 120 s). */
  watchSlowAfterMs: 10000,
  /** Gallery page size (the API allows 1..100). */
  galleryPageSize: 24,
});
