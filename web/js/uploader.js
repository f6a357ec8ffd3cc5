/**
 * Upload one file to storage with a pre-signed POST: a multipart form with every given field,
 * then the file LAST (S3 ignores fields after the file). Uses XHR for real upload progress.
 */

/** An upload that did not succeed; `cancelled` is true when the user cancelled it. */
export class UploadError extends Error {
  /**
   * @param {string} message readable sentence
   * @param {{status?: number, cancelled?: boolean}} [details]
   */
  constructor(message, { status = 0, cancelled = false } = {}) {
    super(message);
    this.name = "UploadError";
    this.status = status;
    this.cancelled = cancelled;
  }
}

const XML_ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * The text of one element of an S3 XML error answer ("" when absent). Read with a pattern, not a
 * DOM parser: a parser error document would carry inline styles that a strict CSP reports.
 * @param {string} body
 * @param {"Code"|"Message"} tag
 * @returns {string}
 */
function xmlText(body, tag) {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body);
  if (!match) return "";
  return match[1].replace(/&(amp|lt|gt|quot|apos);/g, (_, name) => XML_ENTITIES[name]).trim();
}

/**
 * A readable reason for a failed upload answer.
 * @param {number} status
 * @param {string} body
 * @returns {string}
 */
export function describeUploadFailure(status, body) {
  const code = xmlText(body, "Code");
  const message = xmlText(body, "Message");
  if (code === "EntityTooLarge") return "The photo is too big to upload. Choose a smaller one.";
  if (code === "EntityTooSmall") return "The photo is empty. Choose another one.";
  if (code === "AccessDenied" && /expired/i.test(message)) {
    return "The upload link expired before the upload finished. Please try again.";
  }
  if (status === 403) return "Storage refused the upload (the link may have expired or the file does not match). Please try again.";
  if (status >= 400 && status < 500) return `Storage refused the upload (${status}${code ? ` ${code}` : ""}).`;
  return `Storage failed to save the photo (${status}). Please try again in a moment.`;
}

/**
 * @typedef {object} UploadHandle
 * @property {Promise<void>} done resolves when stored; rejects with an UploadError
 * @property {() => void} cancel abort the upload (`done` rejects with `cancelled: true`)
 */

/**
 * Start an upload.
 * @param {{url: string, fields: Record<string, string>}} target the pre-signed POST
 * @param {Blob} file
 * @param {(loaded: number, total: number) => void} onProgress
 * @returns {UploadHandle}
 */
export function upload(target, file, onProgress) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(target.fields)) form.append(name, value);
    form.append("file", file);

    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else {
        reject(new UploadError(describeUploadFailure(xhr.status, xhr.responseText), { status: xhr.status }));
      }
    });
    xhr.addEventListener("error", () =>
      reject(new UploadError("The upload failed: storage cannot be reached. Check your connection and try again.")),
    );
    xhr.addEventListener("abort", () => reject(new UploadError("Upload cancelled.", { cancelled: true })));

    xhr.open("POST", target.url);
    xhr.send(form);
  });
  return { done, cancel: () => xhr.abort() };
}
