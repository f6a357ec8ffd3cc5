/**
 * Tiny DOM helpers. Everything that shows data uses textContent through these helpers:
 * nothing in this app is ever inserted as HTML.
 */

/**
 * Create an element.
 * @param {string} tag element name
 * @param {Record<string, unknown>} [props] `class`, `text`, `dataset`, `on<Event>` handlers,
 *   any other key is set as an attribute (skipped when null, undefined or false)
 * @param {...(Node|string|null|undefined)} children nodes or strings (added as text)
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = String(value);
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) {
      if (typeof value !== "function") throw new TypeError(`${key} must be a function`);
      node.addEventListener(key.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * Create an SVG element with attributes.
 * @param {string} tag
 * @param {Record<string, string|number>} [attrs]
 * @returns {SVGElement}
 */
export function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

/**
 * Append nodes or strings (as text) to a parent.
 * @param {Node} parent
 * @param {...(Node|string|null|undefined)} children
 */
export function append(parent, ...children) {
  for (const child of children) {
    if (child === null || child === undefined) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/**
 * Remove every child of a node.
 * @param {Node} node
 */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/**
 * Find a required element by id.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`Element #${id} is missing from the page`);
  return node;
}
