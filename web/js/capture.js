/**
 * The capture view: camera preview or chosen (or dropped) file → preview → upload with progress and cancel.
 * When the upload is stored it hands the new image id to `onUploaded`.
 */
import { ApiError, createUpload } from "./api.js";
import { Camera, CameraError, cameraSupported } from "./camera.js";
import { config } from "./config.js";
import { byId } from "./dom.js";
import { handleFileDrops } from "./drops.js";
import { captureFrame, drawBitmap, encodeCanvas, readImage } from "./encode.js";
import { formatBytes } from "./format.js";
import { UploadError, upload } from "./uploader.js";

const UPLOAD_TYPE = "image/jpeg";

export class CaptureView {
  /**
   * @param {(id: string) => void} onUploaded called with the image id once it is stored
   */
  constructor(onUploaded) {
    this.onUploaded = onUploaded;
    this.video = /** @type {HTMLVideoElement} */ (byId("camera-video"));
    this.canvas = /** @type {HTMLCanvasElement} */ (byId("preview-canvas"));
    this.placeholder = byId("stage-placeholder");
    this.dropZone = byId("drop-zone");
    this.fileInput = /** @type {HTMLInputElement} */ (byId("file-input"));
    this.cameraSelect = /** @type {HTMLSelectElement} */ (byId("camera-select"));
    this.cameraSwitch = byId("camera-switch-group");
    this.fileButton = byId("file-button");
    this.buttons = {
      start: /** @type {HTMLButtonElement} */ (byId("start-camera")),
      capture: /** @type {HTMLButtonElement} */ (byId("capture")),
      retake: /** @type {HTMLButtonElement} */ (byId("retake")),
      upload: /** @type {HTMLButtonElement} */ (byId("upload")),
      cancel: /** @type {HTMLButtonElement} */ (byId("cancel-upload")),
    };
    this.progress = byId("upload-progress");
    this.readingProgress = byId("reading-progress");
    this.progressBar = /** @type {HTMLProgressElement} */ (byId("upload-progress-bar"));
    this.progressText = byId("upload-progress-text");
    this.status = byId("capture-status");
    this.error = byId("capture-error");
    this.cameraMessage = byId("camera-message");
    this.camera = new Camera(this.video, {
      idealWidth: config.cameraIdealWidth,
      idealHeight: config.cameraIdealHeight,
      firstFrameTimeoutMs: config.cameraFirstFrameTimeoutMs,
    });
    /** @type {"idle"|"live"|"captured"|"uploading"} */
    this.state = "idle";
    /** @type {(() => void)|null} cancels the upload in flight */
    this.cancelUpload = null;
    /** whether this view is on screen (a camera that starts after leaving is stopped) */
    this.shown = false;
    /** whether a camera start is under way (a second one at once would leave a stream running) */
    this.starting = false;
    /** counts chosen files: only the latest one's reading may end in the preview */
    this.choice = 0;
    /** whether a chosen file is being read (decoded) */
    this.reading = false;
    this.bind();
    this.render();
  }

  /** Wire the controls. */
  bind() {
    this.buttons.start.addEventListener("click", () => this.startCamera());
    this.buttons.capture.addEventListener("click", () => this.capture());
    this.buttons.retake.addEventListener("click", () => this.retake());
    this.buttons.upload.addEventListener("click", () => this.upload());
    this.buttons.cancel.addEventListener("click", () => this.cancelUpload?.());
    this.cameraSelect.addEventListener("change", () => this.startCamera(this.cameraSelect.value));
    this.fileInput.addEventListener("change", () => {
      const file = this.fileInput.files?.[0];
      if (file) this.useFile(file);
      this.fileInput.value = "";
    });
    // A file dropped anywhere on the page while this view is shown is the photo.
    handleFileDrops({
      accepting: () => this.shown && this.state !== "uploading",
      onDragging: (dragging) => this.dropZone.classList.toggle("is-dragging", dragging),
      onFile: (file) => this.useFile(file),
    });
    if (!cameraSupported()) {
      this.showCameraMessage("This browser cannot use a camera on this page. Choose a photo file instead.");
    }
    // Reloading or closing the tab would lose an upload in flight: the browser asks first.
    window.addEventListener("beforeunload", (event) => {
      if (this.state !== "uploading") return;
      event.preventDefault();
      event.returnValue = "";
    });
  }

  /** Called when the view is shown. */
  enter() {
    this.shown = true;
    if (this.state === "uploading") return;
    this.setStatus("");
  }

  /** Called when another view is shown: release the camera. */
  leave() {
    this.shown = false;
    if (this.state === "live") this.state = "idle";
    this.camera.stop();
    this.render();
  }

  /** Show the controls that fit the current state. */
  render() {
    const { state } = this;
    const busy = state === "uploading";
    this.video.hidden = state !== "live";
    this.canvas.hidden = !(state === "captured" || state === "uploading");
    this.placeholder.hidden = state !== "idle";
    this.buttons.start.hidden = !cameraSupported() || this.camera.active || busy;
    this.buttons.capture.hidden = state !== "live";
    this.buttons.retake.hidden = !(state === "captured" && this.camera.active);
    this.buttons.upload.hidden = state !== "captured" || this.reading;
    this.readingProgress.hidden = !this.reading;
    this.buttons.cancel.hidden = !busy;
    this.progress.hidden = !busy;
    this.fileInput.disabled = busy;
    this.fileButton.hidden = busy;
    this.cameraSelect.disabled = busy;
    this.cameraSwitch.hidden = state !== "live" || this.cameraSelect.options.length < 2;
  }

  /**
   * Start the camera (a given one, or the default); ignored while a start is under way.
   * @param {string|null} [deviceId]
   */
  async startCamera(deviceId = null) {
    if (this.starting) return;
    this.starting = true;
    try {
      await this.openCamera(deviceId);
    } finally {
      this.starting = false;
    }
  }

  /**
   * Open the camera and show its live picture, or say why it cannot be opened.
   * @param {string|null} deviceId
   */
  async openCamera(deviceId) {
    this.clearError();
    this.hideCameraMessage();
    this.setStatus("Starting the camera…");
    try {
      await this.camera.start(deviceId);
    } catch (error) {
      // The camera is released by now: offer it again, and the file picker.
      this.state = this.state === "live" ? "idle" : this.state;
      this.setStatus("");
      this.render();
      if (!this.shown) return;
      this.showCameraMessage(error instanceof CameraError ? error.message : "The camera cannot be started.");
      this.fileInput.focus();
      return;
    }
    if (!this.shown) {
      this.camera.stop();
      return;
    }
    this.state = "live";
    await this.fillCameraList();
    this.setStatus("Camera on. Press “Take photo” when ready.");
    this.render();
    this.buttons.capture.focus();
  }

  /** Offer a camera switch when the device has several cameras. */
  async fillCameraList() {
    const cameras = await this.camera.list().catch(() => []);
    this.cameraSelect.replaceChildren(
      ...cameras.map((camera) => {
        const option = document.createElement("option");
        option.value = camera.deviceId;
        option.textContent = camera.label;
        option.selected = camera.deviceId === this.camera.deviceId;
        return option;
      }),
    );
  }

  /** Freeze the current camera frame as the photo to upload. */
  capture() {
    this.choice += 1; // a file still being read no longer replaces this photo
    this.reading = false;
    try {
      captureFrame(this.video, this.canvas, config.maxEdge);
    } catch (error) {
      this.showError(error instanceof Error ? error.message : "The photo could not be taken.");
      return;
    }
    this.state = "captured";
    const { width, height } = this.canvas;
    this.canvas.setAttribute("aria-label", `Captured photo, ${width} × ${height} pixels`);
    this.setStatus("Photo taken. Upload it, or retake.");
    this.render();
    this.buttons.upload.focus();
  }

  /** Back to the live preview. */
  retake() {
    this.clearError();
    this.state = "live";
    this.setStatus("Camera on. Press “Take photo” when ready.");
    this.render();
    this.buttons.capture.focus();
  }

  /**
   * Use a chosen or dropped file as the photo. Any image this browser can decode will do (HEIC
   * on Safari, GIF, ...): what is uploaded is always a JPEG made from its pixels.
   * @param {File} file
   */
  async useFile(file) {
    if (this.state === "uploading") return;
    const choice = ++this.choice; // a file chosen later wins over this one
    this.clearError();
    // Some systems give no type for unknown extensions: then decoding decides.
    if (file.type && !file.type.startsWith("image/")) {
      this.reading = false;
      this.render();
      this.showError(`“${file.name}” is not an image. Choose a photo (JPEG, PNG or WebP, for example).`);
      return;
    }
    this.reading = true;
    this.setStatus(`Reading “${file.name}” (${formatBytes(file.size)})… a large photo takes a few seconds.`);
    this.render();
    let bitmap;
    try {
      bitmap = await readImage(file);
    } catch (error) {
      if (choice !== this.choice) return;
      this.reading = false;
      this.setStatus("");
      this.render();
      this.showError(error instanceof Error ? error.message : "This file cannot be read as an image.");
      return;
    }
    if (choice !== this.choice || this.state === "uploading") {
      bitmap.close(); // another file was chosen meanwhile: that one is the photo
      return;
    }
    this.reading = false;
    try {
      drawBitmap(bitmap, this.canvas, config.maxEdge);
    } catch (error) {
      this.render();
      this.showError(error instanceof Error ? error.message : "This file cannot be read as an image.");
      return;
    }
    this.state = "captured";
    this.canvas.setAttribute("aria-label", `Chosen photo ${file.name}`);
    this.setStatus(`“${file.name}” is ready. Upload it, or choose another.`);
    this.render();
    this.buttons.upload.focus();
  }

  /** Encode the photo, ask for an upload ticket, and upload it with progress. */
  async upload() {
    this.clearError();
    this.state = "uploading";
    let cancelled = false;
    this.cancelUpload = () => {
      cancelled = true;
    };
    this.progressBar.value = 0;
    this.progressText.textContent = "Preparing…";
    this.render();
    this.buttons.cancel.focus();
    try {
      const blob = await encodeCanvas(this.canvas, UPLOAD_TYPE, config.jpegQuality);
      this.setStatus(`Uploading ${formatBytes(blob.size)}…`);
      const ticket = await createUpload(UPLOAD_TYPE, blob.size);
      if (cancelled) throw new UploadError("Upload cancelled.", { cancelled: true });
      const onProgress = (/** @type {number} */ sent, /** @type {number} */ total) =>
        this.setProgress(sent / total, blob.size);
      const handle = upload(ticket.upload, blob, onProgress);
      this.cancelUpload = handle.cancel;
      await handle.done;
      // Done with this photo: coming back to this view starts afresh (no second upload of it).
      this.state = "idle";
      this.cancelUpload = null;
      this.setStatus("");
      this.render();
      this.onUploaded(ticket.id);
    } catch (error) {
      this.state = "captured";
      this.cancelUpload = null;
      this.render();
      if (error instanceof UploadError && error.cancelled) {
        this.setStatus("Upload cancelled. You can upload again.");
      } else {
        this.setStatus("");
        this.showError(uploadErrorMessage(error));
      }
      this.buttons.upload.focus();
    }
  }

  /**
   * @param {number} fraction 0..1 of the request sent
   * @param {number} bytes size of the photo
   */
  setProgress(fraction, bytes) {
    const percent = Math.round(fraction * 100);
    this.progressBar.value = percent;
    this.progressText.textContent = `${percent}% of ${formatBytes(bytes)}`;
  }

  /** @param {string} text */
  setStatus(text) {
    this.status.textContent = text;
  }

  /** @param {string} text */
  showError(text) {
    this.error.textContent = text;
    this.error.hidden = false;
  }

  clearError() {
    this.error.textContent = "";
    this.error.hidden = true;
  }

  /** @param {string} text */
  showCameraMessage(text) {
    this.cameraMessage.textContent = text;
    this.cameraMessage.hidden = false;
  }

  hideCameraMessage() {
    this.cameraMessage.hidden = true;
  }
}

/**
 * A readable sentence for a failed upload.
 * @param {unknown} error
 * @returns {string}
 */
function uploadErrorMessage(error) {
  if (error instanceof ApiError) {
    if (error.status === 429) return `Daily limit reached: ${error.message}`;
    if (error.status === 0 || error.status === 401) return error.message;
    return `The upload was refused: ${error.message}`;
  }
  return error instanceof Error ? error.message : "The upload failed. Please try again.";
}
