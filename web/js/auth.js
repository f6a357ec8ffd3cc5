/**
 * Sign-in for private mode, talking to Cognito's own API with fetch (no SDK):
 * InitiateAuth (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH), RespondToAuthChallenge
 * (NEW_PASSWORD_REQUIRED) and GlobalSignOut, as JSON with an X-Amz-Target header.
 *
 * The page learns the pool from /config.json (written by the stack; never a secret). The ID
 * token lives in memory only; the refresh token in localStorage keeps the session across
 * reloads until the user signs out (or it expires, 30 days).
 */

const STORAGE_KEY = "tricloud.session";
/** Refresh this long before the ID token expires. */
const EARLY_REFRESH_MS = 60_000;

/** A sign-in step that failed, with a sentence for people. */
export class AuthError extends Error {
  /**
   * @param {string} code Cognito's error type, or "network" / "bad_response"
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = "AuthError";
    this.code = code;
  }
}

/**
 * @typedef {{access: "public"} | {access: "private", region: string, user_pool_id: string,
 *   client_id: string, cognito_endpoint: string}} PageConfig
 */

/** @returns {Promise<PageConfig>} the site's runtime config (public when it cannot be read) */
export async function loadPageConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return response.json();
}

/** Messages for Cognito's error types a user can cause. */
const MESSAGES = {
  NotAuthorizedException: "Wrong e-mail or password.",
  UserNotFoundException: "Wrong e-mail or password.",
  PasswordResetRequiredException: "Your password must be reset; ask the site's owner.",
  UserNotConfirmedException: "This account is not confirmed yet.",
  InvalidPasswordException:
    "That password is too weak: use at least 12 characters with upper and lower case letters, a digit and a symbol.",
  TooManyRequestsException: "Too many attempts; wait a minute and try again.",
  LimitExceededException: "Too many attempts; wait a minute and try again.",
  CodeMismatchException: "That code is not right.",
};

export class Session {
  /** @param {Extract<PageConfig, {access: "private"}>} config */
  constructor(config) {
    this.config = config;
    this.endpoint = config.cognito_endpoint.replace(/\/$/, "") + "/";
    /** @type {{idToken: string, accessToken: string, expiresAt: number, email: string} | null} */
    this.current = null;
    /** @type {string|null} the Session of a pending NEW_PASSWORD_REQUIRED challenge */
    this.challenge = null;
    /** @type {string} */
    this.challengeEmail = "";
    /** @type {Promise<string>|null} */
    this.refreshing = null;
  }

  /** @returns {string} the signed-in user's e-mail, or "" */
  get email() {
    return this.current?.email || stored()?.email || "";
  }

  /** @returns {boolean} whether a stored refresh token may still sign us in */
  get remembered() {
    return stored() !== null;
  }

  /**
   * Sign in; resolves "done", or "new_password" when Cognito asks for a permanent password.
   * @param {string} email
   * @param {string} password
   * @returns {Promise<"done"|"new_password">}
   */
  async signIn(email, password) {
    const answer = await this.call("InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: this.config.client_id,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    });
    return this.accept(answer, email);
  }

  /**
   * Answer the first-sign-in challenge with the new password.
   * @param {string} newPassword
   * @returns {Promise<"done"|"new_password">}
   */
  async setNewPassword(newPassword) {
    if (!this.challenge) throw new AuthError("no_challenge", "Sign in again first.");
    const answer = await this.call("RespondToAuthChallenge", {
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      ClientId: this.config.client_id,
      Session: this.challenge,
      ChallengeResponses: { USERNAME: this.challengeEmail, NEW_PASSWORD: newPassword },
    });
    return this.accept(answer, this.challengeEmail);
  }

  /**
   * A valid ID token, refreshed with the stored refresh token when needed.
   * @returns {Promise<string|null>} null when nobody is signed in (or the session ended)
   */
  async idToken() {
    if (this.current && this.current.expiresAt - EARLY_REFRESH_MS > Date.now()) {
      return this.current.idToken;
    }
    const saved = stored();
    if (!saved) return null;
    this.refreshing ??= this.refresh(saved).finally(() => {
      this.refreshing = null;
    });
    try {
      return await this.refreshing;
    } catch (error) {
      if (error instanceof AuthError && error.code !== "network") this.forget();
      throw error;
    }
  }

  /** Sign out: end the user's refresh tokens at Cognito (best effort) and forget the session. */
  async signOut() {
    const accessToken = this.current?.accessToken;
    this.forget();
    if (!accessToken) return;
    try {
      await this.call("GlobalSignOut", { AccessToken: accessToken });
    } catch {
      // The local session is gone either way; an unrevoked refresh token expires on its own.
    }
  }

  /** Forget the tokens in this browser (after a 401 or sign-out). */
  forget() {
    this.current = null;
    this.challenge = null;
    window.localStorage.removeItem(STORAGE_KEY);
  }

  /**
   * @param {{refreshToken: string, email: string}} saved
   * @returns {Promise<string>}
   */
  async refresh(saved) {
    const answer = await this.call("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: this.config.client_id,
      AuthParameters: { REFRESH_TOKEN: saved.refreshToken },
    });
    const result = answer.AuthenticationResult;
    if (!result || typeof result.IdToken !== "string") {
      throw new AuthError("bad_response", "The sign-in service sent an unreadable answer.");
    }
    this.keep(result, saved.email, saved.refreshToken);
    return result.IdToken;
  }

  /**
   * @param {any} answer InitiateAuth / RespondToAuthChallenge answer
   * @param {string} email
   * @returns {"done"|"new_password"}
   */
  accept(answer, email) {
    if (answer.ChallengeName === "NEW_PASSWORD_REQUIRED") {
      this.challenge = answer.Session;
      this.challengeEmail = email;
      return "new_password";
    }
    const result = answer.AuthenticationResult;
    if (!result || typeof result.IdToken !== "string") {
      const name = typeof answer.ChallengeName === "string" ? answer.ChallengeName : "an unknown step";
      throw new AuthError("unsupported", `This account needs ${name}, which this page cannot do.`);
    }
    this.challenge = null;
    this.keep(result, email, result.RefreshToken);
    return "done";
  }

  /**
   * @param {any} result AuthenticationResult
   * @param {string} email
   * @param {string} refreshToken
   */
  keep(result, email, refreshToken) {
    const seconds = Number(result.ExpiresIn) || 3600;
    this.current = {
      idToken: result.IdToken,
      accessToken: String(result.AccessToken || ""),
      expiresAt: Date.now() + seconds * 1000,
      email,
    };
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify({ refreshToken, email }));
  }

  /**
   * One Cognito API call.
   * @param {string} action e.g. "InitiateAuth"
   * @param {object} body
   * @returns {Promise<any>}
   */
  async call(action, body) {
    let response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
        },
        body: JSON.stringify(body),
        cache: "no-store",
      });
    } catch {
      throw new AuthError("network", "The sign-in service cannot be reached. Check your connection.");
    }
    const answer = await response.json().catch(() => null);
    if (response.ok && answer) return answer;
    const type = String(answer?.__type || answer?.code || "").split("#").pop() || `http_${response.status}`;
    const message = MESSAGES[/** @type {keyof typeof MESSAGES} */ (type)] || answer?.message;
    throw new AuthError(type, message || `Sign-in failed (${response.status}).`);
  }
}

/** @returns {{refreshToken: string, email: string} | null} */
function stored() {
  try {
    const value = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
    return value && typeof value.refreshToken === "string" ? value : null;
  } catch {
    return null;
  }
}
