/**
 * A page-wide, non-modal notice above every view, for news that arrives while the user is
 * elsewhere (e.g. an upload that finished after they left the capture view). It never moves
 * focus or changes the route. Its element is a live region that stays on the page (one that
 * appears together with its text is not reliably announced); it is empty when it says nothing.
 */
import { byId, clear, h } from "./dom.js";

export class Notice {
  constructor() {
    this.box = byId("notice");
    /** @type {string|null} where the shown notice links to */
    this.href = null;
  }

  /**
   * Show a sentence with a link, in place of any notice shown.
   * @param {string} text
   * @param {{text: string, href: string}} link
   */
  show(text, link) {
    this.href = link.href;
    const dismiss = h("button", { type: "button", class: "button", onClick: () => this.dismiss() }, "Dismiss");
    this.box.replaceChildren(h("span", { text }), " ", h("a", { href: link.href }, link.text), " ", dismiss);
  }

  /**
   * A view was shown: a notice that links to it has served its purpose.
   * @param {string} hash the location hash of the view
   */
  viewShown(hash) {
    if (this.href === hash) this.hide();
  }

  hide() {
    this.href = null;
    clear(this.box);
  }

  /** Hide on request; focus goes to the page content, not lost with the button. */
  dismiss() {
    this.hide();
    byId("main").focus();
  }
}
