/**
 * The #/images/<id> view: fetch the document (polling while a fresh upload is analyzed) and show
 * it, or say clearly why it cannot be shown.
 */
import { ApiError, deleteImage, getImage } from "./api.js";
import { config } from "./config.js";
import { byId, clear, h } from "./dom.js";
import { clearPending, isPending } from "./pending.js";
import { PollError, waitForAnalysis } from "./poller.js";
import { renderResult } from "./result-view.js";

const TIMING = {
  initialDelay: config.pollInitialDelayMs,
  factor: config.pollBackoffFactor,
  maxDelay: config.pollMaxDelayMs,
  giveUpAfter: config.pollGiveUpMs,
};

export class ImagePage {
  constructor() {
    this.title = byId("image-title");
    this.status = byId("image-status");
    this.error = byId("image-error");
    this.result = byId("image-result");
    this.deleteButton = byId("delete-image");
    /** @type {AbortController|null} */
    this.polling = null;
    /** @type {string|null} the id of the image shown */
    this.shownId = null;
    this.deleteButton.addEventListener("click", () => this.confirmDelete());
  }

  /** Ask, then delete the image shown and go to the gallery. */
  async confirmDelete() {
    const id = this.shownId;
    if (!id || !window.confirm("Delete this photo and its analysis? This cannot be undone.")) return;
    this.deleteButton.setAttribute("disabled", "");
    this.setStatus("Deleting…");
    try {
      await deleteImage(id);
    } catch (error) {
      // Already gone (deleted in another tab) is what the user wanted.
      if (!(error instanceof ApiError && error.status === 404)) {
        this.setStatus("");
        this.error.textContent = `The photo was not deleted: ${describe(error, id)}`;
        this.error.hidden = false;
        this.deleteButton.removeAttribute("disabled");
        return;
      }
    }
    this.deleteButton.removeAttribute("disabled");
    this.setStatus("Photo deleted.");
    window.location.hash = "#/gallery";
  }

  /**
   * Show one image.
   * @param {string} id
   */
  async enter(id) {
    this.leave();
    const polling = new AbortController();
    this.polling = polling;
    this.shownId = null;
    this.deleteButton.hidden = true;
    clear(this.result);
    this.hideError();
    this.title.textContent = "Result";
    this.setStatus("Loading…");
    try {
      const doc = isPending(id) ? await this.waitFor(id, polling.signal) : await getImage(id);
      if (polling.signal.aborted) return;
      clearPending(id);
      this.show(doc);
      this.shownId = id;
      this.deleteButton.hidden = false;
    } catch (error) {
      if (polling.signal.aborted || (error instanceof PollError && error.cancelled)) return;
      this.setStatus("");
      this.showError(describe(error, id));
    }
  }

  /**
   * Poll with an "analyzing" status.
   * @param {string} id
   * @param {AbortSignal} signal
   * @returns {Promise<any>}
   */
  waitFor(id, signal) {
    this.title.textContent = "Analyzing…";
    this.setStatus("Analyzing the photo… this usually takes a few seconds.");
    this.result.appendChild(h("div", { class: "spinner", "aria-hidden": "true" }));
    return waitForAnalysis(id, TIMING, signal, (attempt) => {
      if (attempt === 8) this.setStatus("Still analyzing… thanks for your patience.");
    });
  }

  /** @param {any} doc */
  show(doc) {
    const failed = doc.status === "failed";
    this.title.textContent = failed ? "Analysis failed" : "Result";
    const count = Array.isArray(doc.labels) ? doc.labels.length : 0;
    // A failed result announces itself through its alert; a done one through the status.
    this.setStatus(failed ? "" : `Analysis done: ${count} label${count === 1 ? "" : "s"} found.`);
    this.result.replaceChildren(renderResult(doc));
  }

  /** Stop polling when another view is shown. */
  leave() {
    this.polling?.abort();
    this.polling = null;
  }

  /** @param {string} text */
  setStatus(text) {
    this.status.textContent = text;
  }

  /** @param {string} text */
  showError(text) {
    clear(this.result);
    this.title.textContent = "No result";
    this.error.textContent = text;
    this.error.hidden = false;
  }

  hideError() {
    this.error.hidden = true;
    this.error.textContent = "";
  }
}

/**
 * @param {unknown} error
 * @param {string} id
 * @returns {string}
 */
function describe(error, id) {
  if (error instanceof ApiError && error.status === 404) {
    return `No analyzed image has the id “${id}” (yet). If you just uploaded it, reload in a moment.`;
  }
  if (error instanceof ApiError && error.status === 400) return `“${id}” is not a valid image id.`;
  if (error instanceof Error) return error.message;
  return "The result cannot be shown.";
}
