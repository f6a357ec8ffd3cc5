/**
 * The sign-in view (private mode): e-mail and password, the first-sign-in new-password
 * challenge, and the account area in the header (who is signed in, sign out).
 */
import { AuthError } from "./auth.js";
import { byId } from "./dom.js";

export class SignInView {
  /**
   * @param {import("./auth.js").Session} session
   * @param {() => void} onSignedIn called once the user is signed in
   */
  constructor(session, onSignedIn) {
    this.session = session;
    this.onSignedIn = onSignedIn;
    this.form = /** @type {HTMLFormElement} */ (byId("signin-form"));
    this.newPasswordForm = /** @type {HTMLFormElement} */ (byId("newpassword-form"));
    this.email = /** @type {HTMLInputElement} */ (byId("signin-email"));
    this.password = /** @type {HTMLInputElement} */ (byId("signin-password"));
    this.newPassword = /** @type {HTMLInputElement} */ (byId("new-password"));
    this.newPasswordAgain = /** @type {HTMLInputElement} */ (byId("new-password-again"));
    this.lead = byId("signin-lead");
    this.status = byId("signin-status");
    this.error = byId("signin-error");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.newPasswordForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitNewPassword();
    });
  }

  /**
   * Show the e-mail and password form.
   * @param {string} [notice] why the user is asked to sign in (e.g. the session ended)
   */
  enter(notice = "") {
    this.form.hidden = false;
    this.newPasswordForm.hidden = true;
    this.lead.textContent = notice || "Sign in to take photos and see your gallery.";
    this.hideError();
    this.status.textContent = "";
    if (!this.email.value) this.email.value = this.session.email;
    (this.email.value ? this.password : this.email).focus();
  }

  async submit() {
    const email = this.email.value.trim();
    const password = this.password.value;
    if (!email || !password) {
      this.showError("Enter your e-mail and password.");
      return;
    }
    await this.step(byId("signin-submit"), "Signing in…", () => this.session.signIn(email, password));
  }

  async submitNewPassword() {
    const password = this.newPassword.value;
    if (password !== this.newPasswordAgain.value) {
      this.showError("The two passwords are not the same.");
      return;
    }
    await this.step(byId("newpassword-submit"), "Setting your password…", () =>
      this.session.setNewPassword(password),
    );
  }

  /**
   * Run one sign-in step with the button disabled; move on by its outcome.
   * @param {HTMLElement} button
   * @param {string} busy
   * @param {() => Promise<"done"|"new_password">} action
   */
  async step(button, busy, action) {
    this.hideError();
    this.status.textContent = busy;
    button.setAttribute("disabled", "");
    try {
      const outcome = await action();
      this.status.textContent = "";
      this.password.value = "";
      if (outcome === "new_password") {
        this.form.hidden = true;
        this.newPasswordForm.hidden = false;
        this.lead.textContent = "This is your first sign-in.";
        this.newPassword.focus();
        return;
      }
      this.newPassword.value = "";
      this.newPasswordAgain.value = "";
      this.onSignedIn();
    } catch (error) {
      this.status.textContent = "";
      this.showError(error instanceof AuthError ? error.message : "Sign-in failed. Try again.");
    } finally {
      button.removeAttribute("disabled");
    }
  }

  /** @param {string} text */
  showError(text) {
    this.error.textContent = text;
    this.error.hidden = false;
  }

  hideError() {
    this.error.hidden = true;
    this.error.textContent = "";
  }
}

/**
 * The header's account area: the signed-in e-mail and a sign-out button.
 * @param {import("./auth.js").Session} session
 * @param {() => void} onSignedOut
 * @returns {{show: () => void, hide: () => void}}
 */
export function accountArea(session, onSignedOut) {
  const area = byId("account");
  byId("sign-out").addEventListener("click", async () => {
    await session.signOut();
    onSignedOut();
  });
  return {
    show() {
      byId("account-email").textContent = session.email;
      area.hidden = false;
    },
    hide() {
      area.hidden = true;
    },
  };
}
