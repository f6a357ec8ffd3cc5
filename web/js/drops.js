/**
 * Files dragged onto the page. A browser opens a file dropped where the page does not take it,
 * in place of the page: so every file drag is handled here, on the whole document. While the
 * page accepts a file, a drop anywhere uses it (a small target is easy to miss); otherwise the
 * drop is refused with the "no entry" cursor. Drags of text or links are left to the browser
 * (e.g. into the filter box).
 */

/**
 * @param {DragEvent} event
 * @returns {boolean} whether the drag carries files
 */
function carriesFiles(event) {
  return Array.from(event.dataTransfer?.types ?? []).includes("Files");
}

/**
 * Handle file drags on the whole document.
 * @param {object} handlers
 * @param {() => boolean} handlers.accepting whether a dropped file would be used now
 * @param {(dragging: boolean) => void} handlers.onDragging a file drag that would be used entered
 *   (true) or left the window, or was dropped (false)
 * @param {(file: File) => void} handlers.onFile called with the dropped file
 */
export function handleFileDrops({ accepting, onDragging, onFile }) {
  // dragenter and dragleave fire for every element crossed: count them to know when the drag
  // has left the window.
  let depth = 0;
  document.addEventListener("dragenter", (event) => {
    if (!carriesFiles(event)) return;
    depth += 1;
    onDragging(accepting());
  });
  document.addEventListener("dragleave", (event) => {
    if (!carriesFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) onDragging(false);
  });
  document.addEventListener("dragover", (event) => {
    if (!carriesFiles(event) || !event.dataTransfer) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = accepting() ? "copy" : "none";
  });
  document.addEventListener("drop", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth = 0;
    onDragging(false);
    const file = event.dataTransfer?.files?.[0];
    if (file && accepting()) onFile(file);
  });
}
