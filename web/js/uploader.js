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

/**
 * The <Code> and <Message> of an S3 XML error answer, if any (parsed, never rendered as HTML).
 * @param {string} text
 * @returns {{code: string, message: string}}
 */
function parseStorageError(text) {
  try {
    const doc = new DOMParser().parseFromString(text, "application/xml");
    return {
      code: doc.querySelector("Error > Code")?.textContent?.trim() || "",
      message: doc.querySelector("Error > Message")?.textContent?.trim() || "",
    };
  } catch {
    return { code: "", message: "" };
  }
}

/**
 * A readable reason for a failed upload answer.
 * @param {number} status
 * @param {string} body
 * @returns {string}
 */
export function describeUploadFailure(status, body) {
  const { code, message } = parseStorageError(body);
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
    xhr.addEventListener("timeout", () => reject(new UploadError("The upload took too long and was stopped. Please try again.")));
    xhr.addEventListener("abort", () => reject(new UploadError("Upload cancelled.", { cancelled: true })));

    xhr.open("POST", target.url);
    xhr.send(form);
  });
  return { done, cancel: () => xhr.abort() };
}
