/**
 * The gallery view: analyzed images newest first, "load more" with the API's cursor, and a
 * label filter that lives in the URL (#/gallery?label=cat) so it can be linked and reloaded.
 */
import { listImages } from "./api.js";
import { config } from "./config.js";
import { byId, clear, h } from "./dom.js";
import { formatDate, formatPercent } from "./format.js";
import { galleryHash, imageHash } from "./router.js";
import { ThumbnailLoader } from "./thumbnails.js";

export class GalleryView {
  constructor() {
    this.grid = byId("gallery-grid");
    this.status = byId("gallery-status");
    this.error = byId("gallery-error");
    this.loadMore = /** @type {HTMLButtonElement} */ (byId("load-more"));
    this.form = /** @type {HTMLFormElement} */ (byId("filter-form"));
    this.input = /** @type {HTMLInputElement} */ (byId("filter-label"));
    this.clearButton = byId("filter-clear");
    this.thumbnails = new ThumbnailLoader(config.thumbnailConcurrency, config.thumbnailReuseMs);
    this.label = "";
    /** @type {string|null} */
    this.cursor = null;
    this.count = 0;
    /** increases on every new listing, so that late answers of an old one are ignored */
    this.generation = 0;

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
   */
  enter(label) {
    this.label = label;
    this.input.value = label;
    this.clearButton.hidden = !label;
    this.cursor = null;
    this.count = 0;
    this.generation += 1;
    this.thumbnails.reset();
    clear(this.grid);
    this.fetchPage();
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
      for (const item of items) this.grid.appendChild(this.card(item));
      this.count += items.length;
      this.cursor = typeof page.next_cursor === "string" && page.next_cursor ? page.next_cursor : null;
      this.loadMore.hidden = this.cursor === null;
      this.status.textContent = this.summary();
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
    const filter = this.label ? ` with the label “${this.label}”` : "";
    if (this.count === 0) return this.label ? `No images${filter}.` : "No images yet. Take a photo to start.";
    const more = this.cursor ? " (more available)" : "";
    return `${this.count} image${this.count === 1 ? "" : "s"}${filter}${more}.`;
  }

  /**
   * One gallery card, linking to the image's result.
   * @param {any} item {id, image_fname, status, _ts, top_labels}
   * @returns {HTMLElement}
   */
  card(item) {
    const id = String(item.id);
    const labels = Array.isArray(item.top_labels) ? item.top_labels : [];
    const names = labels.slice(0, 3).map((label) => String(label.description));
    const failed = item.status === "failed";
    const img = /** @type {HTMLImageElement} */ (
      h("img", {
        class: "card-photo",
        alt: names.length ? `Photo labelled ${names.join(", ")}` : "Photo without labels",
        decoding: "async",
        referrerpolicy: "no-referrer",
      })
    );
    const summary = failed
      ? "Analysis failed"
      : labels.length
        ? labels.slice(0, 3).map((label) => `${label.description} ${formatPercent(label.score)}`).join(" · ")
        : "No labels";
    const caption = h(
      "span",
      { class: "card-caption" },
      h("span", { class: "card-labels", text: summary }),
      h("span", { class: "card-date", text: formatDate(item._ts) }),
    );
    const card = h(
      "li",
      { class: failed ? "card card-failed" : "card" },
      h(
        "a",
        { class: "card-link", href: imageHash(id) },
        h("span", { class: "card-photo-frame" }, img),
        caption,
      ),
    );
    this.thumbnails.watch(card, id, img);
    return card;
  }

  leave() {
    this.generation += 1;
    this.thumbnails.reset();
  }
}
