/**
 * The camera: live preview in a <video>, the list of cameras, switching, and stopping.
 * Capturing a frame is the encoder's job (it reads the <video>).
 */

/** Why the camera is not available, as a sentence for people. */
export class CameraError extends Error {
  constructor(message) {
    super(message);
    this.name = "CameraError";
  }
}

/**
 * Translate a getUserMedia failure into a readable reason.
 * @param {unknown} error
 * @returns {CameraError}
 */
function explain(error) {
  const name = error && typeof error === "object" && "name" in error ? String(error.name) : "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return new CameraError("Camera access was denied. Allow it in the browser, or choose a photo file instead.");
    case "NotFoundError":
    case "OverconstrainedError":
      return new CameraError("No camera was found. You can choose a photo file instead.");
    case "NotReadableError":
    case "AbortError":
      return new CameraError("The camera is busy or cannot be started. Close other apps using it, or choose a photo file.");
    default:
      return new CameraError("The camera cannot be started here. You can choose a photo file instead.");
  }
}

/**
 * Settle like `promise`, or reject with a CameraError when it takes longer than `ms` (a camera
 * that sends no frames never lets `play()` settle).
 * @param {number} ms
 * @param {Promise<void>} promise
 * @returns {Promise<void>}
 */
function within(ms, promise) {
  const seconds = Math.max(1, Math.round(ms / 1000));
  const message = `The camera sent no picture within ${seconds} second${seconds === 1 ? "" : "s"}.`;
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new CameraError(`${message} Try again, or choose a photo file instead.`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Whether this browser can use a camera at all (needs HTTPS or localhost). */
export function cameraSupported() {
  return Boolean(window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

export class Camera {
  /**
   * @param {HTMLVideoElement} video where the live preview plays
   * @param {{idealWidth: number, idealHeight: number, firstFrameTimeoutMs: number}} options
   *   resolution to ask for, and how long to wait for the camera's first picture
   */
  constructor(video, options) {
    this.video = video;
    this.options = options;
    /** @type {MediaStream|null} */
    this.stream = null;
    /** @type {string|null} */
    this.deviceId = null;
  }

  /** Whether a stream is playing. */
  get active() {
    return this.stream !== null;
  }

  /**
   * Start (or restart) the preview, on a given camera or the default one.
   * @param {string|null} [deviceId]
   * @returns {Promise<void>} rejects with a CameraError
   */
  async start(deviceId = null) {
    if (!cameraSupported()) {
      throw new CameraError("This browser cannot use a camera on this page. You can choose a photo file instead.");
    }
    this.stop();
    /** @type {MediaTrackConstraints} */
    const video = { width: { ideal: this.options.idealWidth }, height: { ideal: this.options.idealHeight } };
    if (deviceId) video.deviceId = { exact: deviceId };
    else video.facingMode = { ideal: "environment" };
    /** @type {MediaStream} */
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    } catch (error) {
      throw explain(error);
    }
    this.stream = stream;
    const track = stream.getVideoTracks()[0];
    this.deviceId = (track && track.getSettings().deviceId) || deviceId;
    this.video.srcObject = stream;
    try {
      await within(this.options.firstFrameTimeoutMs, this.firstPicture());
    } catch (error) {
      // No picture: release the camera (unless another start has replaced this stream).
      if (this.stream === stream) this.stop();
      throw error;
    }
  }

  /**
   * Play the preview until its first picture is known.
   * @returns {Promise<void>} rejects with a CameraError when the browser cannot play it
   */
  async firstPicture() {
    try {
      await this.video.play();
    } catch {
      throw new CameraError("The camera picture cannot be shown. Try again, or choose a photo file instead.");
    }
    if (!this.video.videoWidth) {
      await new Promise((resolve) => this.video.addEventListener("loadedmetadata", resolve, { once: true }));
    }
  }

  /** Stop the preview and release the camera. */
  stop() {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  /**
   * The cameras of this device (labels are known once permission was given).
   * @returns {Promise<Array<{deviceId: string, label: string}>>}
   */
  async list() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    return devices
      .filter((device) => device.kind === "videoinput")
      .map((device, index) => ({ deviceId: device.deviceId, label: device.label || `Camera ${index + 1}` }));
  }
}
