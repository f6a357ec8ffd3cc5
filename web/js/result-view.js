/**
 * Render one analysis document: the photo with its object boxes, labels as bars with scores,
 * SafeSearch, dominant colours and the facts about the file. Pure rendering: data in, nodes out.
 * Every value from the API goes into the page as text or as a validated number.
 */
import { h, svg } from "./dom.js";
import { clamp01, formatBytes, formatDate, formatLikelihood, formatPercent } from "./format.js";
import { galleryHash } from "./router.js";

const SAFE_SEARCH_NAMES = /** @type {const} */ ([
  ["adult", "Adult"],
  ["racy", "Racy"],
  ["violence", "Violence"],
  ["medical", "Medical"],
  ["spoof", "Spoof"],
]);

const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/**
 * @param {any} doc the document from GET /api/images/{id}
 * @returns {HTMLElement}
 */
export function renderResult(doc) {
  const labels = Array.isArray(doc.labels) ? doc.labels : [];
  const objects = Array.isArray(doc.objects) ? doc.objects : [];
  if (doc.status === "failed") {
    const reason = typeof doc.error === "string" && doc.error ? doc.error : "no reason was given.";
    return h(
      "div",
      { class: "result" },
      h("p", { class: "message message-error", role: "alert" }, `The analysis failed: ${reason}`),
      renderPhoto(doc, labels, []),
      h("div", { class: "result-panels" }, renderFacts(doc)),
    );
  }
  return h(
    "div",
    { class: "result" },
    renderPhoto(doc, labels, objects),
    h(
      "div",
      { class: "result-panels" },
      renderLabels(labels),
      renderObjects(objects),
      renderSafeSearch(doc.safe_search),
      renderColors(doc.colors),
      renderFacts(doc),
    ),
  );
}

/**
 * A titled panel (a region named by its heading).
 * @param {string} id heading id
 * @param {string} title
 * @param {...(Node|null)} children
 * @returns {HTMLElement}
 */
function panel(id, title, ...children) {
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id, text: title }), ...children);
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
  img.addEventListener("error", () => {
    const reason =
      doc.status === "failed"
        ? "The uploaded file cannot be shown as a picture."
        : "The photo could not be loaded (its link may have expired: reload the page).";
    frame.replaceWith(h("p", { class: "message" }, reason));
  });

  const boxes = objects.filter((object) => Array.isArray(object.box) && object.box.length >= 3);
  if (!boxes.length) return h("figure", { class: "photo-figure" }, frame);
  const overlay = svg("svg", { class: "photo-boxes", "aria-hidden": "true", preserveAspectRatio: "none" });
  const draw = () => {
    const width = img.naturalWidth || positive(doc.width) || 1;
    const height = img.naturalHeight || positive(doc.height) || 1;
    drawBoxes(overlay, boxes, width, height);
  };
  if (img.complete && img.naturalWidth) draw();
  else img.addEventListener("load", draw, { once: true });
  frame.appendChild(overlay);
  const caption = `${boxes.length} object box${boxes.length === 1 ? "" : "es"} drawn on the photo.`;
  return h("figure", { class: "photo-figure" }, frame, h("figcaption", { class: "hint", text: caption }));
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
    const points = object.box.map((/** @type {any} */ vertex) => [
      clamp01(vertex[0]) * width,
      clamp01(vertex[1]) * height,
    ]);
    const group = svg("g", { class: "box" });
    const outline = points.map((/** @type {number[]} */ p) => p.join(",")).join(" ");
    group.appendChild(svg("polygon", { points: outline, "vector-effect": "non-scaling-stroke" }));
    const left = Math.min(...points.map((/** @type {number[]} */ p) => p[0]));
    const top = Math.min(...points.map((/** @type {number[]} */ p) => p[1]));
    const text = svg("text", {
      x: left + fontSize * 0.3,
      y: Math.max(fontSize, top + fontSize * 1.1),
      "font-size": fontSize,
    });
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
  if (!labels.length) {
    return panel("labels-title", "Labels", h("p", { class: "hint" }, "No labels were found for this photo."));
  }
  const rows = labels.map((label) => [label.description, label.score]);
  const list = renderBars(/** @type {Array<[unknown, unknown]>} */ (rows), (name) =>
    h("a", { href: galleryHash(name), title: `Show every photo labelled “${name}”` }, name),
  );
  return panel(
    "labels-title",
    "Labels",
    list,
    h("p", { class: "hint" }, "Choose a label to see every photo that has it."),
  );
}

/**
 * @param {any[]} objects
 * @returns {HTMLElement|null}
 */
function renderObjects(objects) {
  if (!objects.length) return null;
  return panel("objects-title", "Objects", renderBars(objects.map((object) => [object.name, object.score])));
}

/**
 * Rows of "name — bar — 93%"; the bar is decoration, the percentage is the information.
 * @param {Array<[unknown, unknown]>} rows name and 0..1 score
 * @param {(name: string) => Node} [nameNode] what shows the name (plain text by default)
 * @returns {HTMLElement}
 */
function renderBars(rows, nameNode = (name) => document.createTextNode(name)) {
  const list = h("ul", { class: "bars" });
  for (const [name, score] of rows) {
    const fill = h("span", { class: "bar-fill" });
    fill.style.width = `${clamp01(score) * 100}%`;
    list.appendChild(
      h(
        "li",
        { class: "bar-row" },
        h("span", { class: "bar-name" }, nameNode(String(name))),
        h("span", { class: "bar-track", "aria-hidden": "true" }, fill),
        h("span", { class: "bar-value", text: formatPercent(Number(score)) }),
      ),
    );
  }
  return list;
}

/**
 * @param {unknown} safeSearch likelihood name per category, e.g. {"adult": "VERY_UNLIKELY", ...}
 * @returns {HTMLElement|null}
 */
function renderSafeSearch(safeSearch) {
  if (!safeSearch || typeof safeSearch !== "object") return null;
  const values = /** @type {Record<string, unknown>} */ (safeSearch);
  const known = SAFE_SEARCH_NAMES.filter(([key]) => {
    const value = values[key];
    return typeof value === "string" && value !== "UNKNOWN";
  });
  if (!known.length) {
    const none = h("p", { class: "hint" }, "SafeSearch gave no verdict for this photo.");
    return panel("safe-title", "SafeSearch", none);
  }
  const list = h("dl", { class: "facts" });
  for (const [key, name] of known) {
    const likelihood = formatLikelihood(values[key]);
    const level = `likelihood likelihood-${likelihood.replaceAll(" ", "-")}`;
    list.append(h("dt", { text: name }), h("dd", { class: level, text: likelihood }));
  }
  return panel("safe-title", "SafeSearch", list);
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
    const text = `${color.hex} · ${formatPercent(color.pixel_fraction)} of pixels`;
    list.appendChild(h("li", { class: "swatch" }, chip, h("span", { text })));
  }
  return panel("colors-title", "Dominant colours", list);
}

/**
 * @param {any} doc
 * @returns {HTMLElement}
 */
function renderFacts(doc) {
  const width = positive(doc.width);
  const height = positive(doc.height);
  const size = positive(doc.size);
  /** @type {Array<[string, string]>} */
  const rows = [
    ["Status", doc.status === "failed" ? "failed" : "done"],
    ["Uploaded", formatDate(doc.uploaded_at)],
    ["Size", size ? formatBytes(size) : "unknown"],
    ["Dimensions", width && height ? `${width} × ${height} px` : "unknown"],
    ["Type", typeof doc.content_type === "string" ? doc.content_type : "unknown"],
    ["Analyzed", formatDate(doc.analyzed_at)],
    ["Id", String(doc.id)],
  ];
  const facts = h("dl", { class: "facts" });
  for (const [name, value] of rows) facts.append(h("dt", { text: name }), h("dd", { text: value }));
  return panel("facts-title", "File", facts);
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
