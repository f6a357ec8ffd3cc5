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

/** Whether this browser can use a camera at all (needs HTTPS or localhost). */
export function cameraSupported() {
  return Boolean(window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

export class Camera {
  /**
   * @param {HTMLVideoElement} video where the live preview plays
   * @param {{idealWidth: number, idealHeight: number}} size resolution to ask for
   */
  constructor(video, size) {
    this.video = video;
    this.size = size;
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
    const video = { width: { ideal: this.size.idealWidth }, height: { ideal: this.size.idealHeight } };
    if (deviceId) video.deviceId = { exact: deviceId };
    else video.facingMode = { ideal: "environment" };
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    } catch (error) {
      throw explain(error);
    }
    const track = this.stream.getVideoTracks()[0];
    this.deviceId = (track && track.getSettings().deviceId) || deviceId;
    this.video.srcObject = this.stream;
    await this.video.play();
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
