/**
 * Thumbnails for gallery cards. The list endpoint has no image URL, so each card's short-lived
 * URL comes from the detail endpoint: only for cards that scroll into view, a few at a time,
 * and reused for a while (filtering or coming back to the gallery does not fetch them again).
 */
import { getImage } from "./api.js";

export class ThumbnailLoader {
  /**
   * @param {number} concurrency how many detail requests may run at once
   * @param {number} reuseMs how long a fetched URL is reused
   */
  constructor(concurrency, reuseMs) {
    this.concurrency = concurrency;
    this.reuseMs = reuseMs;
    /** @type {Map<string, {url: string|null, at: number}>} id → photo URL (null: none) */
    this.urls = new Map();
    this.running = 0;
    /** @type {Array<() => Promise<void>>} */
    this.queue = [];
    this.observer = new IntersectionObserver((entries) => this.onVisible(entries), { rootMargin: "200px" });
    /** @type {WeakMap<Element, {id: string, img: HTMLImageElement}>} */
    this.targets = new WeakMap();
  }

  /**
   * Load the photo of `id` into `img` once `card` is (nearly) visible.
   * @param {Element} card
   * @param {string} id
   * @param {HTMLImageElement} img
   */
  watch(card, id, img) {
    this.targets.set(card, { id, img });
    this.observer.observe(card);
  }

  /** Forget every card (the gallery was emptied). */
  reset() {
    this.observer.disconnect();
    this.queue = [];
  }

  /** @param {IntersectionObserverEntry[]} entries */
  onVisible(entries) {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      this.observer.unobserve(entry.target);
      const target = this.targets.get(entry.target);
      if (!target) continue;
      const known = this.urls.get(target.id);
      if (known && Date.now() - known.at < this.reuseMs) show(target.img, known.url);
      else this.enqueue(() => this.load(target.id, target.img));
    }
  }

  /** @param {() => Promise<void>} task */
  enqueue(task) {
    this.queue.push(task);
    this.next();
  }

  next() {
    while (this.running < this.concurrency && this.queue.length) {
      const task = /** @type {() => Promise<void>} */ (this.queue.shift());
      this.running += 1;
      task().finally(() => {
        this.running -= 1;
        this.next();
      });
    }
  }

  /**
   * Fetch the photo URL of `id` and show it in `img`.
   * @param {string} id
   * @param {HTMLImageElement} img
   * @returns {Promise<void>}
   */
  async load(id, img) {
    let url = null;
    try {
      const doc = await getImage(id);
      if (typeof doc.image_url === "string" && doc.image_url) url = doc.image_url;
      this.urls.set(id, { url, at: Date.now() });
    } catch {
      // Not cached: the next visit tries again.
    }
    show(img, url);
  }
}

/**
 * Show the photo, or the card's "No photo" placeholder when there is none or it cannot be drawn
 * (a failed upload's bytes are no picture; an old link may have expired).
 * @param {HTMLImageElement} img
 * @param {string|null} url
 */
function show(img, url) {
  const noPhoto = () => img.closest(".card")?.classList.add("no-photo");
  if (!url) {
    noPhoto();
    return;
  }
  img.addEventListener("error", noPhoto, { once: true });
  img.src = url;
}
