/**
 * The gallery view: the caller's images, newest upload first, "load more" with the API's
 * cursor, and a label filter (by word prefix) that lives in the URL (#/gallery?label=cat) so it
 * can be linked and reloaded. Each list item carries a signed thumbnail URL, so a page of cards
 * costs one API request. Cards of pending images are watched with back-off and updated when
 * their analysis is done. Coming Back from a photo keeps the loaded pages and the scroll position.
 */
import { listImages } from "./api.js";
import { config } from "./config.js";
import { byId, clear, h } from "./dom.js";
import { formatDate, formatPercent } from "./format.js";
import { WatchCancelled, watchImage } from "./poller.js";
import { galleryHash, imageHash } from "./router.js";

const BACKOFF = {
  initialDelay: config.watchInitialDelayMs,
  factor: config.watchBackoffFactor,
  maxDelay: config.watchMaxDelayMs,
};
// A stale image (late, or in the dead-letter queue) is asked about rarely.
const STALE_BACKOFF = { initialDelay: 30000, factor: 1.5, maxDelay: 120000 };

export class GalleryView {
  constructor() {
    this.grid = byId("gallery-grid");
    this.status = byId("gallery-status");
    this.error = byId("gallery-error");
    this.loadMore = /** @type {HTMLButtonElement} */ (byId("load-more"));
    this.form = /** @type {HTMLFormElement} */ (byId("filter-form"));
    this.input = /** @type {HTMLInputElement} */ (byId("filter-label"));
    this.clearButton = byId("filter-clear");
    this.label = "";
    /** @type {string|null} */
    this.cursor = null;
    this.count = 0;
    /** whether the cards on screen are a complete listing (not reset or failed half-way) */
    this.loaded = false;
    /** where the page was scrolled when the gallery was left */
    this.scrollY = 0;
    /** increases on every new listing, so that late answers of an old one are ignored */
    this.generation = 0;
    /** stops watching the pending cards when the gallery is left */
    this.watching = new AbortController();

    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const label = this.input.value.trim();
      // The same filter again does not change the URL: list again all the same.
      if (window.location.hash === galleryHash(label)) this.enter(label);
      else window.location.hash = galleryHash(label);
    });
    this.clearButton.addEventListener("click", () => {
      window.location.hash = galleryHash("");
    });
    this.loadMore.addEventListener("click", () => this.fetchPage());
  }

  /**
   * Show the gallery, filtered by `label` (empty: everything).
   * @param {string} label
   * @param {{restore?: boolean}} [options] restore: coming Back from a photo of this listing
   * @returns {boolean} whether the previous cards and scroll position were restored
   */
  enter(label, { restore = false } = {}) {
    this.watching.abort(); // the same filter submitted again: the old cards' watches end
    this.watching = new AbortController();
    if (restore && this.loaded && label === this.label) {
      for (const card of this.grid.querySelectorAll(".card.is-pending")) this.watch(/** @type {HTMLElement} */ (card));
      window.scrollTo(0, this.scrollY);
      return true;
    }
    this.label = label;
    this.input.value = label;
    this.clearButton.hidden = !label;
    this.cursor = null;
    this.count = 0;
    this.loaded = false;
    this.generation += 1;
    clear(this.grid);
    this.fetchPage();
    return false;
  }

  /** Fetch the next page and append its cards. */
  async fetchPage() {
    const generation = this.generation;
    this.error.hidden = true;
    this.loadMore.disabled = true;
    this.status.textContent = "Loading…";
    try {
      const query = { limit: config.galleryPageSize, cursor: this.cursor, label: this.label };
      const page = await listImages(query);
      if (generation !== this.generation) return;
      const items = Array.isArray(page.items) ? page.items : [];
      for (const item of items) {
        const card = this.card(item);
        this.grid.appendChild(card);
        if (item.status === "pending") this.watch(card);
      }
      this.count += items.length;
      this.cursor = typeof page.next_cursor === "string" && page.next_cursor ? page.next_cursor : null;
      this.loadMore.hidden = this.cursor === null;
      this.status.textContent = this.summary();
      this.loaded = true;
    } catch (error) {
      if (generation !== this.generation) return;
      this.status.textContent = "";
      const reason = error instanceof Error ? error.message : "unknown error";
      this.error.textContent = `The gallery cannot be loaded: ${reason}`;
      this.error.hidden = false;
    } finally {
      this.loadMore.disabled = false;
    }
  }

  /** @returns {string} */
  summary() {
    const filter = this.label ? ` with labels matching “${this.label}”` : "";
    if (this.count === 0) return this.label ? `No images${filter}.` : "No images yet. Take a photo to start.";
    const more = this.cursor ? " (more available)" : "";
    return `${this.count} image${this.count === 1 ? "" : "s"}${filter}${more}.`;
  }

  /**
   * Watch a pending card's image; replace the card once its analysis is done or failed.
   * @param {HTMLElement} card
   */
  async watch(card) {
    const id = card.dataset.id || "";
    const signal = this.watching.signal;
    const backoff = card.classList.contains("is-stale") ? STALE_BACKOFF : BACKOFF;
    try {
      const doc = await watchImage(id, backoff, signal, () => {});
      if (signal.aborted || !card.isConnected) return;
      card.replaceWith(this.card({ ...doc, top_labels: doc.labels }));
    } catch (error) {
      if (error instanceof WatchCancelled) return;
      // Gone (404) or unreadable: leave the card as it is; the next listing tells.
    }
  }

  /**
   * One gallery card, linking to the image's result.
   * @param {any} item {id, status, stale, error, uploaded_at, thumb_url, top_labels}
   * @returns {HTMLElement}
   */
  card(item) {
    const id = String(item.id);
    const labels = Array.isArray(item.top_labels) ? item.top_labels : [];
    const names = labels.slice(0, 3).map((label) => String(label.description));
    const pending = item.status === "pending";
    const failed = item.status === "failed";
    const thumb = typeof item.thumb_url === "string" && item.thumb_url ? item.thumb_url : null;
    const img = /** @type {HTMLImageElement} */ (
      h("img", {
        class: "card-photo",
        alt: pending ? "Photo being analysed" : names.length ? `Photo labelled ${names.join(", ")}` : "Photo without labels",
        decoding: "async",
        referrerpolicy: "no-referrer",
      })
    );
    let summary = labels.length
      ? labels.slice(0, 3).map((label) => `${label.description} ${formatPercent(label.score)}`).join(" · ")
      : "No labels";
    if (failed) summary = "Analysis failed";
    if (pending) summary = item.stale ? "Not analysed yet (late)" : "Analyzing…";
    const caption = h(
      "span",
      { class: "card-caption" },
      h("span", { class: "card-labels", text: summary }),
      h("span", { class: "card-date", text: formatDate(item.uploaded_at) }),
    );
    const classes = ["card"];
    if (failed) classes.push("card-failed");
    if (pending) classes.push("is-pending");
    if (pending && item.stale) classes.push("is-stale");
    if (!thumb) classes.push("no-photo");
    const card = h(
      "li",
      { class: classes.join(" "), dataset: { id }, title: pending && item.stale && item.error ? String(item.error) : null },
      h("a", { class: "card-link", href: imageHash(id) }, h("span", { class: "card-photo-frame" }, img), caption),
    );
    if (thumb) {
      // A failed upload's bytes are no picture, an old link may have expired: a placeholder then.
      img.addEventListener("error", () => card.classList.add("no-photo"), { once: true });
      img.src = thumb;
    }
    return card;
  }

  /** Called when another view is shown: remember the place, stop watching. */
  leave() {
    this.scrollY = window.scrollY;
    this.watching.abort();
  }
}
