/**
 * Hash routes, so that every view has a link that survives a reload:
 *   #/                  capture
 *   #/gallery?label=cat gallery (optional label filter)
 *   #/images/<id>       one image's result
 */

/**
 * @typedef {{name: "capture"}
 *   | {name: "gallery", label: string}
 *   | {name: "image", id: string}
 *   | {name: "missing", path: string}} Route
 */

/**
 * Parse a location hash into a route.
 * @param {string} hash e.g. "#/images/0b5c…"
 * @returns {Route}
 */
export function parseHash(hash) {
  const raw = hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?", 2);
  if (path === "/" || path === "") return { name: "capture" };
  if (path === "/gallery") return { name: "gallery", label: new URLSearchParams(query).get("label") || "" };
  const image = /^\/images\/([^/]+)$/.exec(path);
  const id = image ? decode(image[1]) : null;
  if (id !== null) return { name: "image", id };
  return { name: "missing", path };
}

/**
 * A percent-decoded path segment, or null when its escapes are malformed (e.g. "%E0%A4%A").
 * @param {string} segment
 * @returns {string|null}
 */
function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** @param {string} id @returns {string} */
export const imageHash = (id) => `#/images/${encodeURIComponent(id)}`;

/** @param {string} [label] @returns {string} */
export const galleryHash = (label = "") =>
  label ? `#/gallery?${new URLSearchParams({ label }).toString()}` : "#/gallery";

/**
 * Call `onRoute` now and on every hash change.
 * @param {(route: Route) => void} onRoute
 */
export function startRouter(onRoute) {
  const dispatch = () => onRoute(parseHash(window.location.hash));
  window.addEventListener("hashchange", dispatch);
  dispatch();
}
