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
 * Call the API and return the parsed JSON body.
 * @param {string} path e.g. "/api/images"
 * @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
async function request(path, init = {}) {
  let response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { Accept: "application/json", ...(init.headers || {}) },
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection and try again.");
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body && typeof body === "object" ? body.error : null;
    const message =
      error && typeof error.message === "string" && error.message
        ? error.message
        : `The server answered ${response.status} ${response.statusText}.`.replace(" .", ".");
    const code = error && typeof error.code === "string" ? error.code : `http_${response.status}`;
    throw new ApiError(response.status, code, message);
  }
  if (body === null) {
    throw new ApiError(response.status, "bad_response", "The server sent an unreadable answer.");
  }
  return body;
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
