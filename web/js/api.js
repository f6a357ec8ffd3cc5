/**
 * Client of the tricloud API (relative /api/... URLs: same origin on CloudFront and in the demo).
 * Every failure becomes an ApiError with a message a person can read.
 */

/** An API call that failed: `status` is 0 when the server could not be reached. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, or 0 for a network failure
   * @param {string} code the API's error code, or "network" / "bad_response"
   * @param {string} message readable sentence
   */
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/**
 * @typedef {object} ApiAuth
 * @property {() => Promise<string|null>} token the ID token to send (private mode)
 * @property {() => void} onUnauthorized called when the API answers 401 (back to sign-in)
 */

/** @type {ApiAuth|null} */
let auth = null;

/**
 * Send the signed-in user's ID token with every call (private mode).
 * @param {ApiAuth|null} value
 */
export function setAuth(value) {
  auth = value;
}

/**
 * Call the API and return the parsed JSON body (null for 204 No Content).
 * @param {string} path e.g. "/api/images"
 * @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
async function request(path, init = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json", ...(/** @type {any} */ (init.headers) || {}) };
  if (auth) {
    let token = null;
    try {
      token = await auth.token();
    } catch (error) {
      throw new ApiError(0, "network", error instanceof Error ? error.message : "Sign-in failed.");
    }
    if (token) headers.Authorization = token;
  }
  let response;
  try {
    response = await fetch(path, { ...init, headers, cache: "no-store" });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection and try again.");
  }
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body && typeof body === "object" ? body.error : null;
    let message =
      error && typeof error.message === "string" && error.message
        ? error.message
        : `The server answered ${response.status} ${response.statusText}.`.replace(" .", ".");
    const code = error && typeof error.code === "string" ? error.code : `http_${response.status}`;
    if (response.status === 401 && auth) {
      auth.onUnauthorized();
      message = "Your session has ended. Please sign in again.";
    }
    if (response.status === 429) message += retryHint(response.headers.get("Retry-After"));
    throw new ApiError(response.status, code, message);
  }
  if (body === null) {
    throw new ApiError(response.status, "bad_response", "The server sent an unreadable answer.");
  }
  return body;
}

/**
 * " Try again in about 3 h 20 min." for a Retry-After of seconds ("" when absent).
 * @param {string|null} header
 * @returns {string}
 */
export function retryHint(header) {
  const seconds = Number(header);
  if (!Number.isFinite(seconds) || seconds <= 0) return "";
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.ceil((seconds % 3600) / 60);
  const parts = [hours ? `${hours} h` : "", minutes ? `${minutes} min` : ""].filter(Boolean);
  return ` Try again in about ${parts.join(" ") || "a minute"}.`;
}

/**
 * @typedef {object} UploadTicket
 * @property {string} id the new image's id
 * @property {{url: string, fields: Record<string, string>}} upload the pre-signed POST
 * @property {number} expires_in seconds the POST stays valid
 */

/**
 * Ask for a pre-signed POST to upload one image.
 * @param {string} contentType e.g. "image/jpeg"
 * @param {number} size bytes
 * @returns {Promise<UploadTicket>}
 */
export function createUpload(contentType, size) {
  return request("/api/uploads", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ content_type: contentType, size }),
  });
}

/**
 * One page of the gallery, newest first.
 * @param {{limit?: number, cursor?: string|null, label?: string}} [options]
 * @returns {Promise<{items: Array<any>, next_cursor: string|null}>}
 */
export function listImages({ limit, cursor, label } = {}) {
  const params = new URLSearchParams();
  if (limit) params.set("limit", String(limit));
  if (cursor) params.set("cursor", cursor);
  if (label) params.set("label", label);
  const query = params.toString();
  return request(query ? `/api/images?${query}` : "/api/images");
}

/**
 * The analysis document of one image, with a short-lived `image_url`.
 * Rejects with status 404 while the image is not analyzed yet.
 * @param {string} id
 * @returns {Promise<any>}
 */
export function getImage(id) {
  return request(`/api/images/${encodeURIComponent(id)}`);
}

/**
 * Delete one of your images (photo, thumbnail and analysis). Resolves when it is gone;
 * rejects with status 404 when there is no such image (already deleted).
 * @param {string} id
 * @returns {Promise<null>}
 */
export function deleteImage(id) {
  return request(`/api/images/${encodeURIComponent(id)}`, { method: "DELETE" });
}
