/**
 * Turn a camera frame or a chosen file into the JPEG that is uploaded: downscaled so that its
 * longest edge is at most `maxEdge`, encoded at `quality`. Never a full-size PNG.
 */

/**
 * The size that fits within `maxEdge` on both edges, keeping the aspect ratio (never upscales).
 * @param {number} width
 * @param {number} height
 * @param {number} maxEdge
 * @returns {{width: number, height: number}}
 */
export function fitWithin(width, height, maxEdge) {
  const scale = Math.min(1, maxEdge / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Draw a source onto a canvas, downscaled to fit within `maxEdge`.
 * @param {CanvasImageSource} source
 * @param {number} width source width
 * @param {number} height source height
 * @param {HTMLCanvasElement} canvas the canvas to draw on (resized)
 * @param {number} maxEdge
 */
export function drawScaled(source, width, height, canvas, maxEdge) {
  const size = fitWithin(width, height, maxEdge);
  canvas.width = size.width;
  canvas.height = size.height;
  const context = canvas.getContext("2d");
  if (!context) throw new Error("This browser cannot draw images.");
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = "high";
  context.drawImage(source, 0, 0, size.width, size.height);
}

/**
 * Draw the current frame of a playing <video> onto a canvas.
 * @param {HTMLVideoElement} video
 * @param {HTMLCanvasElement} canvas
 * @param {number} maxEdge
 */
export function captureFrame(video, canvas, maxEdge) {
  if (!video.videoWidth || !video.videoHeight) throw new Error("The camera has no picture yet. Try again.");
  drawScaled(video, video.videoWidth, video.videoHeight, canvas, maxEdge);
}

/**
 * Decode an image file (EXIF orientation applied). Large files take a while: the caller says
 * so, and may discard the result when the user chose another file meanwhile.
 * @param {Blob} file
 * @returns {Promise<ImageBitmap>} rejects with a readable Error when the file is not a readable image
 */
export async function readImage(file) {
  try {
    return await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    throw new Error("This browser cannot read this file as an image. Choose a JPEG, PNG or WebP photo.");
  }
}

/**
 * Draw a decoded image onto a canvas, downscaled to fit within `maxEdge`, and release it
 * (metadata is dropped with it).
 * @param {ImageBitmap} bitmap
 * @param {HTMLCanvasElement} canvas
 * @param {number} maxEdge
 */
export function drawBitmap(bitmap, canvas, maxEdge) {
  try {
    drawScaled(bitmap, bitmap.width, bitmap.height, canvas, maxEdge);
  } finally {
    bitmap.close();
  }
}

/**
 * Encode what is on a canvas.
 * @param {HTMLCanvasElement} canvas
 * @param {string} type "image/jpeg" for uploads ("image/png" only for measurements)
 * @param {number} [quality]
 * @returns {Promise<Blob>}
 */
export function encodeCanvas(canvas, type, quality) {
  return new Promise((resolve, reject) => {
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("The picture could not be encoded."))),
      type,
      quality,
    );
  });
}
