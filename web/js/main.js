/**
 * Boot: build the views and show the one the URL asks for. Each view has enter()/leave();
 * leaving stops what it was doing (camera, polling, thumbnail loading).
 *
 * Modules, one job each:
 *   config.js       tunables (max edge, JPEG quality, poll timing, page size)
 *   router.js       hash routes (#/, #/gallery?label=, #/images/<id>)
 *   api.js          the /api client; failures become readable ApiErrors
 *   camera.js       getUserMedia preview, camera list and switching
 *   encode.js       downscale to the max edge and encode JPEG
 *   uploader.js     pre-signed POST with XHR progress and cancel
 *   poller.js       watch a pending image with back-off for as long as it is pending
 *   notice.js       a non-modal notice above the views (an upload done while elsewhere)
 *   drops.js        files dragged onto the page (never opened by the browser instead of it)
 *   capture.js      the capture view (camera, file, drop, upload)
 *   image-page.js   the result view's controller; result-view.js renders a document
 *   gallery.js      the gallery view (thumbnails come with the list; pending cards are watched)
 *   dom.js, format.js  element and text helpers (never HTML strings)
 *   auth.js         private mode: Cognito sign-in with fetch, the session (refresh token)
 *   signin.js       the sign-in view (new-password challenge) and the header's account area
 */
import { setAuth } from "./api.js";
import { Session, loadPageConfig } from "./auth.js";
import { CaptureView } from "./capture.js";
import { byId } from "./dom.js";
import { GalleryView } from "./gallery.js";
import { ImagePage } from "./image-page.js";
import { Notice } from "./notice.js";
import { imageHash, parseHash, startRouter } from "./router.js";
import { SignInView, accountArea } from "./signin.js";

const sections = {
  signin: byId("signin-view"),
  capture: byId("capture-view"),
  image: byId("image-view"),
  gallery: byId("gallery-view"),
  missing: byId("missing-view"),
};

/** @type {string|null} the name of the view shown */
let current = null;

const notice = new Notice();
const capture = new CaptureView((id) => {
  // Only a user still watching the upload is taken to its result; one who has moved on is told.
  if (current === "capture") window.location.hash = imageHash(id);
  else notice.show("Your photo is uploaded and being analyzed.", { text: "See its result", href: imageHash(id) });
});
const imagePage = new ImagePage();
const gallery = new GalleryView();

const titles = {
  signin: "Sign in",
  capture: "Snap a photo",
  image: "Result",
  gallery: "Gallery",
  missing: "Page not found",
};

/** Private mode: the Cognito session; null in public mode. */
const pageConfig = await loadPageConfig().catch(() => /** @type {const} */ ({ access: "public" }));
const session = pageConfig.access === "private" ? new Session(pageConfig) : null;
/** Whether the API may be called (always in public mode). */
let signedIn = session === null;
/** @type {SignInView|null} */
let signIn = null;
/** @type {{show: () => void, hide: () => void}|null} */
let account = null;

if (session) {
  signIn = new SignInView(session, () => {
    signedIn = true;
    account?.show();
    show(parseHash(window.location.hash));
  });
  account = accountArea(session, () => requireSignIn("You are signed out."));
  setAuth({
    token: () => session.idToken(),
    onUnauthorized: () => requireSignIn("Your session has ended. Please sign in again."),
  });
  // A stored refresh token signs the user back in without the form.
  signedIn = session.remembered && (await session.idToken().catch(() => null)) !== null;
  if (signedIn) account.show();
}

/**
 * Show the sign-in form instead of the current view (the URL stays, to return to it).
 * @param {string} notice
 */
function requireSignIn(notice) {
  if (!session || !signIn) return;
  session.forget();
  signedIn = false;
  account?.hide();
  show(parseHash(window.location.hash));
  signIn.enter(notice);
}

/**
 * @param {import("./router.js").Route | {name: "signin"}} requested
 */
function show(requested) {
  const route = signedIn ? requested : /** @type {const} */ ({ name: "signin" });
  if (current === "capture" && route.name !== "capture") capture.leave();
  if (current === "image") imagePage.leave();
  if (current === "gallery") gallery.leave();

  for (const [name, section] of Object.entries(sections)) section.hidden = name !== route.name;
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.getAttribute("data-nav") === route.name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }

  document.title = `${titles[route.name]} — tricloud`;
  notice.viewShown(window.location.hash);
  // Back from a photo to its gallery listing keeps the loaded pages and the scroll position.
  let restored = false;
  if (route.name === "signin") {
    if (current !== "signin") signIn?.enter();
  } else if (route.name === "capture") capture.enter();
  else if (route.name === "image") imagePage.enter(route.id);
  else if (route.name === "gallery") restored = gallery.enter(route.label, { restore: current === "image" });
  byId("main-nav").hidden = route.name === "signin";

  // Move focus to the new view's heading on navigation (not on the first load).
  if (current !== null && route.name !== "signin") {
    sections[route.name].querySelector("h1")?.focus({ preventScroll: restored });
  }
  current = route.name;
}

// The skip link moves focus without touching the URL (its "#main" is not a route).
byId("skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  byId("main").focus();
});

startRouter(show);
