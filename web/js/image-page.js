/**
 * The #/images/<id> view: fetch the document and show it. While the image is pending (in this
 * tab or any other one opened on its link) it keeps watching with back-off and says so; the
 * result replaces the waiting state by itself. An id the API does not know gets a clear message.
 */
import { ApiError, deleteImage } from "./api.js";
import { config } from "./config.js";
import { byId, clear, h } from "./dom.js";
import { WatchCancelled, watchImage } from "./poller.js";
import { renderResult } from "./result-view.js";

const BACKOFF = {
  initialDelay: config.watchInitialDelayMs,
  factor: config.watchBackoffFactor,
  maxDelay: config.watchMaxDelayMs,
};

export class ImagePage {
  constructor() {
    this.title = byId("image-title");
    this.status = byId("image-status");
    this.error = byId("image-error");
    this.result = byId("image-result");
    this.deleteButton = byId("delete-image");
    /** @type {AbortController|null} */
    this.watching = null;
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
    const watching = new AbortController();
    this.watching = watching;
    this.shownId = null;
    this.deleteButton.hidden = true;
    clear(this.result);
    this.hideError();
    this.title.textContent = "Result";
    this.status.classList.remove("status-warning");
    this.setStatus("Loading…");
    const since = Date.now();
    try {
      const doc = await watchImage(id, BACKOFF, watching.signal, (update) =>
        this.showPending(update.doc, update.error, Date.now() - since),
      );
      if (watching.signal.aborted) return;
      this.show(doc);
      this.shownId = id;
      this.deleteButton.hidden = false;
    } catch (error) {
      if (watching.signal.aborted || error instanceof WatchCancelled) return;
      this.setStatus("");
      this.showError(describe(error, id));
    }
  }

  /**
   * The waiting state: what is known about the pending image, and that the page keeps checking.
   * @param {any|null} doc the pending document (null when the API could not be reached)
   * @param {ApiError|null} error a transient failure of the last request
   * @param {number} waitedMs how long this view has been waiting
   */
  showPending(doc, error, waitedMs) {
    const late = Boolean(doc && doc.stale);
    this.title.textContent = late ? "Analysis delayed" : "Analyzing…";
    // A late image may never finish: it can be deleted while the page keeps waiting.
    if (late && typeof doc.id === "string") {
      this.shownId = doc.id;
      this.deleteButton.hidden = false;
    }
    this.status.classList.toggle("status-warning", late);
    if (!this.result.querySelector(".spinner")) {
      this.result.replaceChildren(h("div", { class: "spinner", "aria-hidden": "true" }));
    }
    if (error) {
      this.setStatus(`${error.message} Still trying…`);
    } else if (doc && doc.stale) {
      const reason = typeof doc.error === "string" && doc.error ? doc.error : "The analysis is late.";
      this.setStatus(`${reason} This page keeps checking and shows the result when it comes.`);
    } else if (waitedMs > config.watchSlowAfterMs) {
      this.setStatus("Your photo is still being analysed; this is taking longer than usual. The result appears here by itself.");
    } else {
      this.setStatus("Your photo is still being analysed; the result appears here by itself.");
    }
  }

  /** @param {any} doc */
  show(doc) {
    this.status.classList.remove("status-warning");
    const failed = doc.status === "failed";
    this.title.textContent = failed ? "Analysis failed" : "Result";
    const count = Array.isArray(doc.labels) ? doc.labels.length : 0;
    // A failed result announces itself through its alert; a done one through the status.
    this.setStatus(failed ? "" : `Analysis done: ${count} label${count === 1 ? "" : "s"} found.`);
    this.result.replaceChildren(renderResult(doc));
  }

  /** Stop watching when another view is shown. */
  leave() {
    this.watching?.abort();
    this.watching = null;
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
    return `No image has the id “${id}” (an upload that was never finished is removed once its link expires).`;
  }
  if (error instanceof ApiError && error.status === 400) return `“${id}” is not a valid image id.`;
  if (error instanceof Error) return error.message;
  return "The result cannot be shown.";
}
