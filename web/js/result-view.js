/**
 * Render one analysis document: the photo with its object boxes, labels as bars with scores,
 * SafeSearch, dominant colours and the facts about the file. Pure rendering: data in, nodes out.
 * Every value from the API goes into the page as text or as a validated number.
 */
import { h, svg } from "./dom.js";
import { clamp01, formatBytes, formatDate, formatLikelihood, formatPercent } from "./format.js";

/**
 * @param {any} doc the document from GET /api/images/{id}
 * @returns {HTMLElement}
 */
export function renderResult(doc) {
  const labels = Array.isArray(doc.labels) ? doc.labels : [];
  const objects = Array.isArray(doc.objects) ? doc.objects : [];
  const failed = doc.status === "failed";
  return h(
    "div",
    { class: "result" },
    failed
      ? h("p", { class: "message message-error", role: "alert" }, `The analysis failed: ${doc.error || "no reason was given."}`)
      : null,
    renderPhoto(doc, labels, objects),
    h(
      "div",
      { class: "result-panels" },
      failed ? null : renderLabels(labels),
      failed ? null : renderObjects(objects),
      failed ? null : renderSafeSearch(doc.safe_search),
      failed ? null : renderColors(doc.colors),
      renderFacts(doc),
    ),
  );
}

/**
 * The photo with an SVG overlay of the object boxes (normalised 0..1 vertices).
 * @param {any} doc
 * @param {any[]} labels
 * @param {any[]} objects
 * @returns {HTMLElement}
 */
function renderPhoto(doc, labels, objects) {
  if (typeof doc.image_url !== "string" || !doc.image_url) {
    return h("p", { class: "message" }, "The photo itself is not available.");
  }
  const names = labels.slice(0, 3).map((label) => String(label.description));
  const img = /** @type {HTMLImageElement} */ (
    h("img", {
      class: "photo",
      src: doc.image_url,
      alt: names.length ? `The uploaded photo; labels: ${names.join(", ")}` : "The uploaded photo",
      width: positive(doc.width),
      height: positive(doc.height),
      decoding: "async",
      referrerpolicy: "no-referrer",
    })
  );
  const frame = h("div", { class: "photo-frame" }, img);
  const boxes = objects.filter((object) => Array.isArray(object.box) && object.box.length >= 3);
  if (boxes.length) {
    const overlay = svg("svg", { class: "photo-boxes", "aria-hidden": "true", preserveAspectRatio: "none" });
    const draw = () => drawBoxes(overlay, boxes, img.naturalWidth || positive(doc.width) || 1, img.naturalHeight || positive(doc.height) || 1);
    if (img.complete && img.naturalWidth) draw();
    else img.addEventListener("load", draw, { once: true });
    frame.appendChild(overlay);
  }
  img.addEventListener("error", () => {
    frame.replaceChildren(h("p", { class: "message" }, "The photo could not be loaded (its link may have expired: reload the page)."));
  });
  return h("figure", { class: "photo-figure" }, frame, boxes.length ? h("figcaption", { class: "hint" }, `${boxes.length} object box${boxes.length === 1 ? "" : "es"} drawn on the photo.`) : null);
}

/**
 * Draw the boxes in the image's own pixel space, so the overlay scales with the photo.
 * @param {SVGElement} overlay
 * @param {any[]} objects
 * @param {number} width natural width of the photo
 * @param {number} height natural height of the photo
 */
function drawBoxes(overlay, objects, width, height) {
  overlay.setAttribute("viewBox", `0 0 ${width} ${height}`);
  overlay.replaceChildren();
  const fontSize = Math.max(12, Math.round(Math.max(width, height) / 40));
  for (const object of objects) {
    const points = object.box.map((/** @type {any} */ vertex) => [clamp01(vertex[0]) * width, clamp01(vertex[1]) * height]);
    const group = svg("g", { class: "box" });
    group.appendChild(svg("polygon", { points: points.map((p) => p.join(",")).join(" "), "vector-effect": "non-scaling-stroke" }));
    const left = Math.min(...points.map((p) => p[0]));
    const top = Math.min(...points.map((p) => p[1]));
    const text = svg("text", { x: left + fontSize * 0.3, y: Math.max(fontSize, top + fontSize * 1.1), "font-size": fontSize });
    text.textContent = `${object.name} ${formatPercent(object.score)}`;
    group.appendChild(text);
    overlay.appendChild(group);
  }
}

/**
 * @param {any[]} labels
 * @returns {HTMLElement}
 */
function renderLabels(labels) {
  const panel = h("section", { class: "panel", "aria-labelledby": "labels-title" }, h("h2", { id: "labels-title", text: "Labels" }));
  if (!labels.length) {
    panel.appendChild(h("p", { class: "hint" }, "No labels were found for this photo."));
    return panel;
  }
  const list = h("ul", { class: "bars" });
  for (const label of labels) list.appendChild(renderBar(String(label.description), label.score));
  panel.appendChild(list);
  return panel;
}

/**
 * One "name — bar — 93%" row; the bar is decoration, the percentage is the information.
 * @param {string} name
 * @param {unknown} score
 * @returns {HTMLElement}
 */
function renderBar(name, score) {
  const fill = h("span", { class: "bar-fill" });
  fill.style.width = `${clamp01(score) * 100}%`;
  return h(
    "li",
    { class: "bar-row" },
    h("span", { class: "bar-name", text: name }),
    h("span", { class: "bar-track", "aria-hidden": "true" }, fill),
    h("span", { class: "bar-value", text: formatPercent(Number(score)) }),
  );
}

/**
 * @param {any[]} objects
 * @returns {HTMLElement|null}
 */
function renderObjects(objects) {
  if (!objects.length) return null;
  const list = h("ul", { class: "bars" });
  for (const object of objects) list.appendChild(renderBar(String(object.name), object.score));
  return h("section", { class: "panel", "aria-labelledby": "objects-title" }, h("h2", { id: "objects-title", text: "Objects" }), list);
}

const SAFE_SEARCH_NAMES = /** @type {const} */ ([
  ["adult", "Adult"],
  ["racy", "Racy"],
  ["violence", "Violence"],
  ["medical", "Medical"],
  ["spoof", "Spoof"],
]);

/**
 * @param {unknown} safeSearch likelihood per category, e.g. {"adult": "VERY_UNLIKELY", ...}
 * @returns {HTMLElement|null}
 */
function renderSafeSearch(safeSearch) {
  if (!safeSearch || typeof safeSearch !== "object") return null;
  const values = /** @type {Record<string, unknown>} */ (safeSearch);
  const panel = h("section", { class: "panel", "aria-labelledby": "safe-title" }, h("h2", { id: "safe-title", text: "SafeSearch" }));
  const known = SAFE_SEARCH_NAMES.filter(([key]) => typeof values[key] === "string" && values[key] !== "UNKNOWN");
  if (!known.length) {
    panel.appendChild(h("p", { class: "hint" }, "SafeSearch gave no verdict for this photo."));
    return panel;
  }
  const list = h("dl", { class: "facts" });
  for (const [key, name] of known) {
    const likelihood = formatLikelihood(values[key]);
    list.append(h("dt", { text: name }), h("dd", { class: `likelihood likelihood-${likelihood.replaceAll(" ", "-")}`, text: likelihood }));
  }
  panel.appendChild(list);
  return panel;
}

/**
 * @param {unknown} colors dominant colours: [{"hex": "#rrggbb", "score", "pixel_fraction"}]
 * @returns {HTMLElement|null}
 */
function renderColors(colors) {
  if (!Array.isArray(colors)) return null;
  const valid = colors.filter((color) => color && typeof color.hex === "string" && HEX_COLOR.test(color.hex));
  if (!valid.length) return null;
  const list = h("ul", { class: "swatches" });
  for (const color of valid) {
    const chip = h("span", { class: "swatch-chip", "aria-hidden": "true" });
    chip.style.backgroundColor = color.hex;
    list.appendChild(h("li", { class: "swatch" }, chip, h("span", { text: `${color.hex} · ${formatPercent(color.pixel_fraction)} of pixels` })));
  }
  return h("section", { class: "panel", "aria-labelledby": "colors-title" }, h("h2", { id: "colors-title", text: "Dominant colours" }), list);
}

const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/**
 * @param {any} doc
 * @returns {HTMLElement}
 */
function renderFacts(doc) {
  const facts = h("dl", { class: "facts" });
  /** @type {Array<[string, string]>} */
  const rows = [
    ["Status", doc.status === "failed" ? "failed" : "done"],
    ["Size", positive(doc.size) ? formatBytes(Number(doc.size)) : "unknown"],
    ["Dimensions", positive(doc.width) && positive(doc.height) ? `${doc.width} × ${doc.height} px` : "unknown"],
    ["Type", typeof doc.content_type === "string" ? doc.content_type : "unknown"],
    ["Analyzed", formatDate(doc.analyzed_at)],
    ["Id", String(doc.id)],
  ];
  for (const [name, value] of rows) facts.append(h("dt", { text: name }), h("dd", { text: value }));
  return h("section", { class: "panel", "aria-labelledby": "facts-title" }, h("h2", { id: "facts-title", text: "File" }), facts);
}

/**
 * A positive finite number, or null.
 * @param {unknown} value
 * @returns {number|null}
 */
function positive(value) {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : null;
}
